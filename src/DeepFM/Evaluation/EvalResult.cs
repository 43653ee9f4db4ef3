namespace DeepFM.Evaluation;

/// <summary>The metrics of one evaluation: AUC and logloss, and what ads teams read first, normalised entropy and the
/// calibration ratio (from <see cref="BaseRate"/> and <see cref="MeanPrediction"/>).</summary>
/// <param name="Auc">Area under the ROC curve.</param>
/// <param name="Logloss">Mean cross-entropy (nats).</param>
/// <param name="Rows">Rows evaluated.</param>
public readonly record struct EvalResult(double Auc, double Logloss, int Rows)
{
    /// <summary>Observed positive rate (CTR) of the rows; NaN when not computed.</summary>
    public double BaseRate { get; init; } = double.NaN;

    /// <summary>Mean predicted probability; NaN when not computed.</summary>
    public double MeanPrediction { get; init; } = double.NaN;

    /// <summary>Logloss ÷ the entropy of <see cref="BaseRate"/> (He et al. 2014): below 1 beats predicting the CTR.</summary>
    public double NormalizedEntropy => Logloss / Metrics.BaseRateEntropy(BaseRate);

    /// <summary><see cref="MeanPrediction"/> ÷ <see cref="BaseRate"/>: 1 when calibrated on average.</summary>
    public double CalibrationRatio => MeanPrediction / BaseRate;

    /// <summary>Computes every metric.</summary>
    public static EvalResult Of(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels)
    {
        double mean = 0;
        foreach (float p in probabilities) mean += p;
        return new(Metrics.Auc(probabilities, labels), Metrics.Logloss(probabilities, labels), probabilities.Length)
        {
            BaseRate = Metrics.PositiveRate(labels),
            MeanPrediction = probabilities.Length == 0 ? double.NaN : mean / probabilities.Length,
        };
    }
}
