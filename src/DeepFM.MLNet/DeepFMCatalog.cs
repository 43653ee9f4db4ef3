using Microsoft.ML;

namespace DeepFM.MLNet;

/// <summary>DeepFM the ML.NET way: <c>mlContext.BinaryClassification.Trainers.DeepFM(...)</c>.</summary>
public static class DeepFMCatalog
{
    /// <summary>
    /// A DeepFM trainer over text (categorical) and numeric (Single/Double) columns. Its transformer adds
    /// <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c>, and saves into the ML.NET model zip.
    /// </summary>
    /// <param name="catalog">The binary-classification trainers catalog.</param>
    /// <param name="labelColumnName">Label column: Boolean, or Single/Double 0/1.</param>
    /// <param name="categoricalColumns">Text columns, one field each.</param>
    /// <param name="numericColumns">Numeric columns, one field each (NaN = missing).</param>
    /// <param name="options">Model, training and encoding settings; null = the defaults.</param>
    public static DeepFMEstimator DeepFM(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = "Label", IEnumerable<string>? categoricalColumns = null, IEnumerable<string>? numericColumns = null,
        DeepFMTrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        // The context that trains a model can load it back without an explicit RegisterDeepFM call.
        MLNetInternals.Register(MLNetInternals.EnvironmentOf(catalog).ComponentCatalog);
        return new DeepFMEstimator(labelColumnName, [.. categoricalColumns ?? []], [.. numericColumns ?? []], options ?? new DeepFMTrainerOptions());
    }

    /// <summary>
    /// Registers the DeepFM transformer's loader with <paramref name="mlContext"/>, so <c>mlContext.Model.Load</c> can
    /// read zips that contain one. Call it once per context before loading (idempotent).
    /// </summary>
    public static MLContext RegisterDeepFM(this MLContext mlContext)
    {
        MLNetInternals.Register(mlContext.ComponentCatalog);
        return mlContext;
    }
}
