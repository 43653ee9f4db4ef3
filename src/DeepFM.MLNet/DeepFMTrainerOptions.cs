using DeepFM.Data;
using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.MLNet;

/// <summary>Settings of the ML.NET DeepFM trainer: the model's hyper-parameters, the training loop, and the encoding.
/// Every default is the library's (<see cref="ModelConfig"/>, <see cref="TrainOptions"/>, <see cref="DataOptions"/>,
/// <see cref="SplitOptions"/>), which <c>deepfm train</c> also uses.</summary>
public sealed record DeepFMTrainerOptions
{
    /// <summary>Model hyper-parameters (model name, embedding size, hidden widths, dropout, …); defaults to the paper's DeepFM.</summary>
    public ModelConfig Model { get; init; } = new();

    /// <summary>Training loop settings (epochs, batch size, optimizer, learning rate, early stopping).</summary>
    public TrainOptions Training { get; init; } = new();

    /// <summary>Values seen fewer times than this in the training data map to their column's out-of-vocabulary id.</summary>
    public int MinCount { get; init; } = Library.MinCount;

    /// <summary>How numeric columns are encoded (bucketed by default, as the CLI does).</summary>
    public NumericEncoding NumericEncoding { get; init; } = Library.NumericEncoding;

    /// <summary>Fraction of the training rows held out for validation (early stopping, best-weights restore); 0 = none.</summary>
    public double ValidationFraction { get; init; } = new Pipeline.DataSpec { Train = "" }.Split.ValidFraction;

    /// <summary>Seed of the validation split.</summary>
    public long SplitSeed { get; init; } = new SplitOptions().Seed;

    /// <summary>The settings of <paramref name="preset"/> (e.g. <see cref="Pipeline.Preset.Paper"/>) for
    /// <paramref name="model"/>: its model and training settings and its validation share; change any with <c>with</c>.</summary>
    public static DeepFMTrainerOptions FromPreset(Pipeline.Preset preset, string model = "deepfm")
    {
        ArgumentNullException.ThrowIfNull(preset);
        return new DeepFMTrainerOptions
        {
            Model = preset.ModelFor(model),
            Training = preset.TrainingFor(model),
            ValidationFraction = preset.ValidFraction,
        };
    }

    private static readonly DataOptions Library = new();
}
