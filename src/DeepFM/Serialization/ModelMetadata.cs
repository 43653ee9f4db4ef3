namespace DeepFM.Serialization;

/// <summary>Facts about how a saved model was trained, shown by <c>deepfm evaluate</c> and the scoring service.</summary>
public sealed record ModelMetadata
{
    /// <summary>Library version that wrote the file.</summary>
    public string Version { get; init; } = typeof(ModelFile).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>When the file was written (UTC, ISO 8601).</summary>
    public string CreatedUtc { get; init; } = DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Training data path as given.</summary>
    public string? TrainData { get; init; }

    /// <summary>Training rows.</summary>
    public long TrainRows { get; init; }

    /// <summary>Epochs run.</summary>
    public int Epochs { get; init; }

    /// <summary>Best validation AUC.</summary>
    public double ValidAuc { get; init; } = double.NaN;

    /// <summary>Validation logloss at the best AUC.</summary>
    public double ValidLogloss { get; init; } = double.NaN;

    /// <summary>Test AUC, if a test split was evaluated.</summary>
    public double TestAuc { get; init; } = double.NaN;

    /// <summary>Test logloss.</summary>
    public double TestLogloss { get; init; } = double.NaN;

    /// <summary>Training options used, as text (for the record).</summary>
    public string? TrainOptions { get; init; }
}
