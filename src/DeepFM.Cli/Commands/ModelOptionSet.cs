using System.CommandLine;
using System.Globalization;
using DeepFM.Data;
using DeepFM.Layers;
using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Cli.Commands;

/// <summary>Model and training-loop options shared by train, compare and study.</summary>
internal sealed class ModelOptionSet
{
    // Every option is unset unless given: unset, the library's default applies (ModelConfig, TrainOptions and
    // ModelDefaults), and the help text reads the defaults from there.
    private static readonly ModelConfig D = new();
    private static readonly TrainOptions T = new();

    private static string Inv(FormattableString s) => FormattableString.Invariant(s);

    public Option<string?> Preset { get; } = new("--preset") { Description = $"Settings to start from: {string.Join("; ", Pipeline.Preset.All.Select(p => $"{p.Name} ({p.Description})"))}. Options given override it (default {Pipeline.Preset.Default.Name})." };
    public Option<string?> Model { get; } = new("--model") { Description = Inv($"Model: {string.Join(", ", ModelRegistry.Names)} (default {D.Model}).") };
    public Option<int?> Epochs { get; } = new("--epochs") { Description = Inv($"Most epochs (early stopping on validation AUC usually ends sooner; default {T.Epochs}).") };
    public Option<int?> BatchSize { get; } = new("--batch-size") { Description = Inv($"Rows per mini-batch (default {T.BatchSize}).") };
    public Option<int?> EmbeddingSize { get; } = new("--embedding-size") { Description = Inv($"Embedding size k (default {D.EmbeddingSize}).") };
    public Option<string?> Hidden { get; } = new("--hidden") { Description = Inv($"Hidden layer widths of the deep component, e.g. 400,400,400; none for no hidden layer (default {string.Join(",", D.Hidden)}).") };
    public Option<float?> Dropout { get; } = new("--dropout") { Description = Inv($"DROP rate after each hidden layer (default {D.Dropout}; the paper's 'dropout' is the keep probability: its 0.9 is --dropout 0.1).") };
    public Option<string?> Activation { get; } = new("--activation") { Description = Inv($"Hidden activation: relu, tanh, sigmoid (default {D.Activation.ToString().ToLowerInvariant()}).") };
    public Option<bool?> BatchNorm { get; } = new("--batch-norm") { Description = Inv($"Batch normalisation after each hidden layer (true/false; default {D.BatchNorm.ToString().ToLowerInvariant()}).") };
    public Option<string?> Optimizer { get; } = new("--optimizer") { Description = $"adam, adagrad, sgd or ftrl (default: {DescribePerModel(m => ModelDefaults.For(m).Optimizer)})." };
    public Option<float?> LearningRate { get; } = new("--lr") { Description = $"Learning rate (default {ModelDefaults.DescribeLearningRates()})." };
    public Option<float?> L2 { get; } = new("--l2") { Description = Inv($"L2 on dense weights (default {D.L2}).") };
    public Option<float?> L2Embedding { get; } = new("--l2-embedding") { Description = $"L2 on the embedding rows of each batch (default {DescribePerModel(m => ModelDefaults.For(m).L2Embedding.ToString(CultureInfo.InvariantCulture))})." };
    public Option<string?> EmbeddingUpdateMode { get; } = new("--embedding-update") { Description = Inv($"Embedding updates: auto (dense for tables up to {EmbeddingUpdateRule.AutoDenseLimit:N0} numbers, lazy above), lazy (only rows in the batch), dense (every row every step; L2 then acts on the whole table). Default {D.EmbeddingUpdate.ToString().ToLowerInvariant()}.") };
    public Option<float?> EmbeddingInitStd { get; } = new("--embedding-init-std") { Description = Inv($"Standard deviation of the normal initialisation of embedding tables (default {D.EmbeddingInitStd}).") };
    public Option<long?> Seed { get; } = new("--seed") { Description = Inv($"Seed of initialisation, dropout, shuffling and the random split (default {ModelDefaults.Seed}).") };
    public Option<int?> Patience { get; } = new("--patience") { Description = Inv($"Validations without AUC improvement before stopping (default {T.Patience}).") };
    public Option<int?> EvalEvery { get; } = new("--eval-every") { Description = Inv($"Validate every N steps (0: every epoch; default {T.EvalEverySteps}).") };
    public Option<int?> EvalSample { get; } = new("--eval-sample") { Description = "Score at most N validation rows (a fixed random sample) at each validation during training, for huge validation sets; the final metrics use all rows (default 0: all)." };
    public Option<float?> LrDecay { get; } = new("--lr-decay") { Description = Inv($"Learning-rate factor after a validation without improvement (1 = off; default {T.LrDecayOnPlateau}).") };
    public Option<double?> MinDelta { get; } = new("--min-delta") { Description = Inv($"Smallest rise of validation AUC that counts as an improvement for early stopping and plateau decay (default {T.MinImprovement}).") };
    public Option<float?> ClipNorm { get; } = new("--clip-norm") { Description = Inv($"Global gradient-norm clip (0 = off; default {T.ClipNorm}).") };

    /// <summary>A per-model default as help text, e.g. "ftrl for lr, adam for the others" (the most common value last).</summary>
    private static string DescribePerModel(Func<string, string> value)
    {
        var groups = ModelRegistry.Names.GroupBy(value).OrderBy(g => g.Count()).ToList();
        if (groups.Count == 1) return groups[0].Key;
        return string.Join(", ", groups.Take(groups.Count - 1).Select(g => $"{g.Key} for {string.Join(" and ", g)}")) + $", {groups[^1].Key} for the others";
    }

    /// <summary>The options that shape the model (its <see cref="ModelConfig"/>): fixed once it exists, so a warm start
    /// refuses them.</summary>
    public Option[] ModelShapeOptions => [Model, EmbeddingSize, Hidden, Dropout, Activation, BatchNorm, EmbeddingUpdateMode, EmbeddingInitStd, L2, L2Embedding];

    /// <summary>--model, or the library's default model.</summary>
    public string ModelOf(ParseResult r) => r.GetValue(Model) ?? D.Model;

    public void AddTo(Command command, bool includeModel = true)
    {
        if (includeModel) command.Options.Add(Model);
        foreach (var o in new Option[] { Preset, Epochs, BatchSize, EmbeddingSize, EmbeddingUpdateMode, EmbeddingInitStd, Hidden, Dropout, Activation, BatchNorm, Optimizer, LearningRate, L2, L2Embedding, Seed, Patience, EvalEvery, EvalSample, LrDecay, MinDelta, ClipNorm })
            command.Options.Add(o);
    }

    /// <summary>--preset, or the default preset.</summary>
    public Pipeline.Preset PresetOf(ParseResult r) => r.GetValue(Preset) is { } name ? Pipeline.Preset.Get(name) : Pipeline.Preset.Default;

    public ModelConfig BindModel(ParseResult r, string model)
    {
        if (!ModelRegistry.Contains(model)) throw new UserInputException($"Unknown model '{model}'. Known: {string.Join(", ", ModelRegistry.Names)}.");
        var basis = PresetOf(r).ModelFor(model);
        string activation = r.GetValue(Activation) ?? basis.Activation.ToString().ToLowerInvariant();
        var act = activation.ToLowerInvariant() switch
        {
            "relu" => ActivationKind.Relu,
            "tanh" => ActivationKind.Tanh,
            "sigmoid" => ActivationKind.Sigmoid,
            _ => throw new UserInputException($"--activation must be relu, tanh or sigmoid, not '{activation}'."),
        };
        int k = r.GetValue(EmbeddingSize) ?? basis.EmbeddingSize;
        if (k < 1) throw new UserInputException("--embedding-size must be at least 1.");
        float dropout = r.GetValue(Dropout) ?? basis.Dropout;
        NonNegative("--l2", r.GetValue(L2));
        NonNegative("--l2-embedding", r.GetValue(L2Embedding));
        NonNegative("--embedding-init-std", r.GetValue(EmbeddingInitStd));
        if (dropout is < 0 or >= 1) throw new UserInputException($"--dropout is a drop rate in [0, 1), got {dropout}.");
        var config = basis with
        {
            Model = ModelRegistry.Canonical(model),
            EmbeddingSize = k,
            Hidden = r.GetValue(Hidden) is { } hidden ? ParseHidden(hidden) : basis.Hidden,
            Activation = act,
            Dropout = dropout,
            BatchNorm = r.GetValue(BatchNorm) ?? basis.BatchNorm,
            L2 = r.GetValue(L2) ?? basis.L2,
            Seed = SeedOf(r),
            EmbeddingInitStd = r.GetValue(EmbeddingInitStd) ?? basis.EmbeddingInitStd,
            EmbeddingUpdate = r.GetValue(EmbeddingUpdateMode) is not { } update ? basis.EmbeddingUpdate : update.ToLowerInvariant() switch
            {
                "auto" => EmbeddingUpdate.Auto,
                "lazy" => EmbeddingUpdate.Lazy,
                "dense" => EmbeddingUpdate.Dense,
                var other => throw new UserInputException($"--embedding-update must be auto, lazy or dense, not '{other}'."),
            },
        };
        // Unset, the embedding L2 stays the preset's (for the default preset: the model's library default, ModelDefaults).
        return r.GetValue(L2Embedding) is { } l2e ? config with { L2Embedding = l2e } : config;
    }

    /// <summary>Fails unless an option given is a finite number ≥ 0.</summary>
    private static void NonNegative(string option, float? value)
    {
        if (value is { } v && !(v >= 0 && float.IsFinite(v)))
            throw new UserInputException(string.Create(CultureInfo.InvariantCulture, $"{option} must be a number ≥ 0, not {v}."));
    }

    /// <summary>A <c>--threads</c> option (0: all cores); a negative count is a parse error.</summary>
    public static Option<int> ThreadsOption(string description)
    {
        var option = new Option<int>("--threads") { Description = description, DefaultValueFactory = _ => 0 };
        option.Validators.Add(v =>
        {
            if (v.GetValueOrDefault<int>() < 0) v.AddError($"--threads must be 0 (all cores) or a positive count, not {v.GetValueOrDefault<int>()}.");
        });
        return option;
    }

    /// <summary>--seed, or the library's default seed.</summary>
    public long SeedOf(ParseResult r) => r.GetValue(Seed) ?? ModelDefaults.Seed;

    public TrainOptions BindTraining(ParseResult r, string model)
    {
        var d = PresetOf(r).TrainingFor(model);   // the preset's, optimizer and learning rate resolved
        string? given = r.GetValue(Optimizer)?.ToLowerInvariant();
        string optimizer = given ?? d.Optimizer!;
        if (optimizer is not ("adam" or "adagrad" or "sgd" or "ftrl")) throw new UserInputException($"--optimizer must be adam, adagrad, sgd or ftrl, not '{optimizer}'.");
        var bound = d with
        {
            Epochs = r.GetValue(Epochs) ?? d.Epochs,
            BatchSize = r.GetValue(BatchSize) ?? d.BatchSize,
            Optimizer = optimizer,
            // Another optimizer than the preset's takes its own default learning rate unless --lr is given.
            LearningRate = r.GetValue(LearningRate) ?? (given is null || given == d.Optimizer ? d.LearningRate : null),
            Seed = SeedOf(r),
            Patience = r.GetValue(Patience) ?? d.Patience,
            EvalEverySteps = r.GetValue(EvalEvery) ?? d.EvalEverySteps,
            EvalSampleRows = r.GetValue(EvalSample) ?? d.EvalSampleRows,
            LrDecayOnPlateau = r.GetValue(LrDecay) ?? d.LrDecayOnPlateau,
            ClipNorm = r.GetValue(ClipNorm) ?? d.ClipNorm,
            MinImprovement = r.GetValue(MinDelta) ?? d.MinImprovement,
        };
        return bound.ResolveFor(model);   // resolved here so that compare/study can report the optimizer and learning rate
    }

    public static int[] ParseHidden(string text)
    {
        // "none" is the one spelling of "no hidden layer"; an empty list, an empty entry ("400,,400") or a width of 0
        // is a mistake, not a shorthand.
        if (text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)) return [];
        if (text.Trim().Length == 0) throw new UserInputException("--hidden is empty: give widths such as 400,400,400, or none for no hidden layer.");
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (parts[i].Length == 0) throw new UserInputException($"--hidden '{text}': width {i + 1} is empty (expected e.g. 400,400,400, or none for no hidden layer).");
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
                throw new UserInputException($"--hidden: '{parts[i]}' is not a positive layer width (expected e.g. 400,400,400, or none for no hidden layer).");
        }
        return widths;
    }
}
