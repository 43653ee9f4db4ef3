using DeepFM.Layers;
using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Pipeline;

/// <summary>
/// A named set of settings a run starts from: model and training settings and the validation share of the training
/// data, per model where the recipe differs by model. Settings given explicitly (options, or <c>with</c> on the
/// returned records) override the preset's. The command line's <c>--preset</c>, the library and the ML.NET trainer read
/// the same objects.
/// </summary>
public sealed class Preset
{
    private readonly Func<string, ModelConfig> _model;
    private readonly Func<string, TrainOptions> _training;

    private Preset(string name, string description, double validFraction, Func<string, ModelConfig> model, Func<string, TrainOptions> training)
    {
        Name = name;
        Description = description;
        ValidFraction = validFraction;
        _model = model;
        _training = training;
    }

    /// <summary>The preset's name, as <c>--preset</c> takes it.</summary>
    public string Name { get; }

    /// <summary>One line on what the preset is for.</summary>
    public string Description { get; }

    /// <summary>Share of the training data held out for validation (early stopping) when no validation file is given.</summary>
    public double ValidFraction { get; }

    /// <summary>The model settings for <paramref name="model"/> (a registered name or alias).</summary>
    public ModelConfig ModelFor(string model)
    {
        if (!ModelRegistry.Contains(model)) throw new UserInputException($"Unknown model '{model}'. Known: {string.Join(", ", ModelRegistry.Names)}.");
        return _model(ModelRegistry.Canonical(model)) with { Model = ModelRegistry.Canonical(model) };
    }

    /// <summary>The training settings for <paramref name="model"/>, optimizer and learning rate resolved.</summary>
    public TrainOptions TrainingFor(string model) => _training(ModelRegistry.Canonical(model)).ResolveFor(model);

    /// <summary>The library's defaults (<see cref="ModelConfig"/>, <see cref="TrainOptions"/>, <see cref="ModelDefaults"/>),
    /// chosen on validation data (docs/results.md); 10% of the training rows validate.</summary>
    public static Preset Default { get; } = new("default",
        "the library's defaults: batch norm, drop rate 0.1, embedding L2 for deep models, early stopping on 10% of the rows",
        0.1, _ => new ModelConfig(), _ => new TrainOptions());

    /// <summary>
    /// Section 3.1 of Guo et al. (2017), exactly: embeddings of 10, 400-400-400, relu (tanh for IPNN), drop rate 0.5
    /// (the paper's "dropout 0.5" is a keep probability of 0.5), no batch norm, no L2, no gradient clipping, Adam 1e-3
    /// (FTRL for LR, as the paper), batch 4096, and every training row trained on: no validation share is held out, so a run trains its
    /// epochs without early stopping unless a validation file is named. The paper states no epoch count; one pass, as the
    /// PyTorch reference in the benchmarks makes.
    /// </summary>
    public static Preset Paper { get; } = new("paper",
        "Guo et al. 2017, Section 3.1: k = 10, 400-400-400, drop rate 0.5, no batch norm, no L2, Adam 1e-3 (FTRL for lr), batch 4096, one epoch, no rows held out",
        0,
        model => new ModelConfig
        {
            EmbeddingSize = 10,
            Hidden = [400, 400, 400],
            Activation = model == "ipnn" ? ActivationKind.Tanh : ActivationKind.Relu,
            Dropout = 0.5f,
            BatchNorm = false,
            L2 = 0,
            L2Embedding = 0,
        },
        model => new TrainOptions
        {
            Epochs = 1,
            BatchSize = 4096,
            ClipNorm = 0,   // the paper clips nothing
            Optimizer = model == "lr" ? "ftrl" : "adam",
            LearningRate = model == "lr" ? ModelDefaults.LearningRate("ftrl") : 1e-3f,
        });

    /// <summary>
    /// The BARS / FuxiCTR 1.1 protocol (the Frappe_x1 benchmark's logged configurations, as
    /// <c>../shared/peers/torch_frappe.py</c> re-implements it): k = 10, N(0, 1e-4) embeddings, L2 over whole embedding
    /// tables (dense updates), Adam 1e-3, batch 4096, gradient-norm clip 10, up to 100 epochs, learning rate ×0.1 on a
    /// validation without AUC improvement (&gt; 1e-6), patience 2 (3 for IPNN), best weights restored; per model: LR
    /// and FM embedding L2 1e-5 and 5e-6 (also on dense weights); DeepFM 0.05, drop rate 0.2, batch norm; Wide &amp;
    /// Deep 0.1, drop rate 0.6, batch norm; IPNN 0.05, drop rate 0.3, no batch norm. Other models take DeepFM's. BARS
    /// validates on its own split; with no validation file, 10% of the rows validate.
    /// </summary>
    public static Preset Bars { get; } = new("bars",
        "BARS / FuxiCTR 1.1 benchmark protocol (Frappe_x1 configurations): per-model L2, dropout and batch norm; whole-table L2; up to 100 epochs with early stopping",
        0.1,
        model =>
        {
            var (embReg, netReg, dropout, batchNorm) = model switch
            {
                "lr" => (1e-5f, 1e-5f, 0f, false),
                "fm" => (5e-6f, 5e-6f, 0f, false),
                "widedeep" => (0.1f, 0f, 0.6f, true),
                "ipnn" => (0.05f, 0f, 0.3f, false),
                _ => (0.05f, 0f, 0.2f, true),
            };
            return new ModelConfig
            {
                EmbeddingSize = 10,
                Hidden = [400, 400, 400],
                Activation = ActivationKind.Relu,
                Dropout = dropout,
                BatchNorm = batchNorm,
                EmbeddingInitStd = 1e-4f,
                EmbeddingUpdate = EmbeddingUpdate.Dense,
                L2 = netReg,
                L2Embedding = embReg,
            };
        },
        model => new TrainOptions
        {
            Epochs = 100,
            BatchSize = 4096,
            Optimizer = "adam",
            LearningRate = 1e-3f,
            ClipNorm = 10,
            Patience = model == "ipnn" ? 3 : 2,
            LrDecayOnPlateau = 0.1f,
            MinLearningRate = 1e-6f,
            MinImprovement = 1e-6,
            RestoreBest = true,
        });

    /// <summary>Every preset, <see cref="Default"/> first.</summary>
    public static IReadOnlyList<Preset> All { get; } = [Default, Paper, Bars];

    /// <summary>The preset named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="UserInputException">For an unknown name; the message lists the known ones.</exception>
    public static Preset Get(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new UserInputException($"Unknown preset '{name}'. Known: {string.Join(", ", All.Select(p => p.Name))}.");
}
