namespace DeepFM.Training;

/// <summary>One validation result in the training history.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Step">Steps taken when evaluated.</param>
/// <param name="TrainLoss">Mean training loss since the previous evaluation.</param>
/// <param name="ValidAuc">Validation AUC (NaN without validation data).</param>
/// <param name="ValidLogloss">Validation logloss.</param>
/// <param name="LearningRate">Learning rate in use during the period.</param>
/// <param name="Improved">Whether this is the best validation AUC so far.</param>
/// <param name="Elapsed">Training time so far (evaluation excluded).</param>
public sealed record EvaluationRecord(int Epoch, long Step, double TrainLoss, double ValidAuc, double ValidLogloss, float LearningRate, bool Improved, TimeSpan Elapsed)
{
    /// <summary>Validation normalised entropy (logloss ÷ entropy of the validation CTR); NaN without validation data.</summary>
    public double ValidNormalizedEntropy { get; init; } = double.NaN;

    /// <summary>Validation calibration ratio (mean prediction ÷ CTR); NaN without validation data.</summary>
    public double ValidCalibration { get; init; } = double.NaN;
}
