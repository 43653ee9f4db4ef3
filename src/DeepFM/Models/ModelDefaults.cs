using System.Globalization;

namespace DeepFM.Models;

/// <summary>
/// The defaults that differ between models, and the library's shared seed: the one source of defaults behind the
/// library, the command line and the ML.NET trainer.
/// </summary>
/// <remarks>
/// <para>Settings that are the same for every model are the property initialisers of <see cref="ModelConfig"/> and
/// <see cref="Training.TrainOptions"/>. The per-model ones are an instance of this record per registered model,
/// held by <see cref="ModelRegistry"/> (<see cref="ModelRegistry.DefaultsOf"/>), and applied where a setting is left
/// unset: <see cref="ModelConfig.L2Embedding"/> falls back to <see cref="L2Embedding"/> of its
/// <see cref="ModelConfig.Model"/> when read, and a null <see cref="Training.TrainOptions.Optimizer"/> or
/// <see cref="Training.TrainOptions.LearningRate"/> is filled in by <see cref="Training.TrainOptions.ResolveFor"/>,
/// which the <see cref="Training.Trainer"/> calls at the start of training.</para>
/// <para>The values were chosen on validation data (docs/results.md).</para>
/// </remarks>
public sealed record ModelDefaults
{
    /// <summary>Seed of initialisation, dropout, shuffling and the random split (the command line's <c>--seed</c>).</summary>
    public const long Seed = 2017;

    /// <summary>Optimizer used when <see cref="Training.TrainOptions.Optimizer"/> is not set.</summary>
    public string Optimizer { get; init; } = "adam";

    /// <summary>L2 on embedding rows when <see cref="ModelConfig.L2Embedding"/> is not set.</summary>
    public float L2Embedding { get; init; }

    /// <summary>Models with a deep component: they overfit their embeddings quickly (Frappe: train loss 0.06 while
    /// validation logloss rises), so they get a strong embedding L2, 0.1, chosen on Frappe validation AUC among
    /// 0.02, 0.05, 0.1 and 0.2 (docs/results.md). Adam.</summary>
    public static ModelDefaults Deep { get; } = new() { L2Embedding = 0.1f };

    /// <summary>LR and FM: with far fewer parameters per feature they train best without embedding L2. Adam.</summary>
    public static ModelDefaults Shallow { get; } = new();

    /// <summary>The defaults of the model named <paramref name="model"/> (a name or alias); those of
    /// <see cref="Deep"/> for unknown names (which fail later, when the model is built).</summary>
    public static ModelDefaults For(string model) => ModelRegistry.DefaultsOf(model);

    /// <summary>Learning rate used when <see cref="Training.TrainOptions.LearningRate"/> is not set: 1e-3 for adam,
    /// 0.2 for ftrl, 0.01 for the others.</summary>
    public static float LearningRate(string optimizer) => optimizer.ToLowerInvariant() switch
    {
        "adam" => 1e-3f,
        "ftrl" => 0.2f,
        _ => 0.01f,
    };

    /// <summary>The learning-rate defaults as help text, e.g. "1e-3 for adam, 0.2 for ftrl, 0.01 otherwise".</summary>
    public static string DescribeLearningRates() => string.Format(CultureInfo.InvariantCulture, "{0:G3} for adam, {1:G3} for ftrl, {2:G3} otherwise",
        LearningRate("adam"), LearningRate("ftrl"), LearningRate("sgd"));
}
