namespace DeepFM.Evaluation;

/// <summary>The paper's two metrics: AUC (area under the ROC curve) and logloss (cross-entropy).</summary>
public static class Metrics
{
    /// <summary>Probabilities are clipped to <c>[ε, 1−ε]</c> in logloss, as scikit-learn does.</summary>
    public const double LoglossEpsilon = 1e-7;

    /// <summary>
    /// Exact AUC in O(n log n): the Mann–Whitney statistic, with tied scores given their average rank (so a tie
    /// between a positive and a negative counts one half).
    /// </summary>
    /// <exception cref="UserInputException">When the labels are all of one class (AUC undefined) or the input is empty.</exception>
    public static double Auc(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels)
    {
        if (scores.Length != labels.Length) throw new ArgumentException("scores and labels differ in length.");
        int n = scores.Length;
        if (n == 0) throw new UserInputException("AUC is undefined: there are no rows to evaluate.");
        var order = new int[n];
        var keys = scores.ToArray();
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(keys, order);
        long positives = 0;
        double rankSumPositives = 0;
        int start = 0;
        while (start < n)
        {
            int end = start + 1;
            while (end < n && keys[end] == keys[start]) end++;
            double averageRank = (start + 1 + end) / 2.0;   // ranks start+1 … end, 1-based
            for (int i = start; i < end; i++)
            {
                if (labels[order[i]] > 0.5f)
                {
                    positives++;
                    rankSumPositives += averageRank;
                }
            }
            start = end;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0)
            throw new UserInputException($"AUC is undefined: all {n} evaluation rows have label {(positives == 0 ? 0 : 1)}; both classes are needed.");
        return (rankSumPositives - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>Mean binary cross-entropy of probabilities <paramref name="probabilities"/> against 0/1 labels.</summary>
    public static double Logloss(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels)
    {
        if (probabilities.Length != labels.Length) throw new ArgumentException("probabilities and labels differ in length.");
        if (probabilities.Length == 0) throw new UserInputException("Logloss is undefined: there are no rows to evaluate.");
        double sum = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            double p = Math.Clamp(probabilities[i], LoglossEpsilon, 1 - LoglossEpsilon);
            sum += labels[i] > 0.5f ? -Math.Log(p) : -Math.Log(1 - p);
        }
        return sum / probabilities.Length;
    }

    /// <summary>Entropy (nats) of a Bernoulli with success rate <paramref name="rate"/>: the logloss of always predicting
    /// the base rate. 0 for a rate of 0 or 1.</summary>
    public static double BaseRateEntropy(double rate)
    {
        if (!(rate > 0 && rate < 1)) return 0;
        return -(rate * Math.Log(rate) + (1 - rate) * Math.Log(1 - rate));
    }

    /// <summary>Normalised entropy (He et al. 2014): logloss divided by the entropy of the labels' base rate, so 1 is
    /// no better than predicting the observed CTR and lower is better, comparable across data of different CTRs.</summary>
    public static double NormalizedEntropy(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels) =>
        Logloss(probabilities, labels) / BaseRateEntropy(PositiveRate(labels));

    /// <summary>Calibration ratio: mean predicted probability divided by the observed positive rate (1 = calibrated on
    /// average; above 1 over-predicts clicks).</summary>
    public static double CalibrationRatio(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels)
    {
        if (probabilities.Length != labels.Length) throw new ArgumentException("probabilities and labels differ in length.");
        if (probabilities.Length == 0) throw new UserInputException("The calibration ratio is undefined: there are no rows to evaluate.");
        double sum = 0;
        foreach (float p in probabilities) sum += p;
        return sum / probabilities.Length / PositiveRate(labels);
    }

    /// <summary>Share of labels above 0.5.</summary>
    public static double PositiveRate(ReadOnlySpan<float> labels)
    {
        if (labels.Length == 0) throw new UserInputException("The positive rate is undefined: there are no rows.");
        long positives = 0;
        foreach (float y in labels) if (y > 0.5f) positives++;
        return (double)positives / labels.Length;
    }
}
