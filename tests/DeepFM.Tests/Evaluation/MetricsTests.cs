using DeepFM.Evaluation;

namespace DeepFM.Tests.Evaluation;

public class MetricsTests
{
    [Fact]
    public void AucOfPerfectRankingIsOneAndOfReversedIsZero()
    {
        Assert.Equal(1.0, Metrics.Auc([0.1f, 0.2f, 0.8f, 0.9f], [0, 0, 1, 1]));
        Assert.Equal(0.0, Metrics.Auc([0.9f, 0.8f, 0.2f, 0.1f], [0, 0, 1, 1]));
    }

    [Fact]
    public void AucCountsMisorderedPairsByHand()
    {
        // positives: 0.8, 0.4; negatives: 0.6, 0.3, 0.1. Pairs (pos > neg): 0.8 beats all 3, 0.4 beats 0.3 and 0.1 → 5 of 6.
        Assert.Equal(5.0 / 6.0, Metrics.Auc([0.8f, 0.6f, 0.4f, 0.3f, 0.1f], [1, 0, 1, 0, 0]), 12);
    }

    [Fact]
    public void AucCountsTiesAsHalf()
    {
        // positives: 0.5, 0.7; negatives: 0.5, 0.2. Pairs: (0.5 vs 0.5) tie → ½, (0.5 vs 0.2) 1, (0.7 vs 0.5) 1, (0.7 vs 0.2) 1 → 3.5/4.
        Assert.Equal(3.5 / 4.0, Metrics.Auc([0.5f, 0.7f, 0.5f, 0.2f], [1, 1, 0, 0]), 12);
        // All scores equal → 0.5.
        Assert.Equal(0.5, Metrics.Auc([0.3f, 0.3f, 0.3f, 0.3f, 0.3f], [1, 0, 1, 0, 0]), 12);
    }

    [Fact]
    public void AucMatchesBruteForcePairCountOnRandomData()
    {
        var rng = new DeepFM.Engine.Rng(5);
        int n = 300;
        var s = new float[n];
        var y = new float[n];
        for (int i = 0; i < n; i++) { s[i] = rng.NextInt(20) / 20f; y[i] = rng.NextFloat() < 0.3 ? 1 : 0; }
        double wins = 0, pairs = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (y[i] == 1 && y[j] == 0) { pairs++; wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0; }
        Assert.Equal(wins / pairs, Metrics.Auc(s, y), 10);
    }

    [Fact]
    public void LoglossByHandAndClipping()
    {
        // −(ln 0.8 + ln(1−0.4))/2
        Assert.Equal(-(Math.Log(0.8) + Math.Log(0.6)) / 2, Metrics.Logloss([0.8f, 0.4f], [1, 0]), 6);
        // p = 0 for a positive is clipped to 1e-7, not infinite.
        Assert.Equal(-Math.Log(1e-7), Metrics.Logloss([0f], [1]), 4);
    }

    [Fact]
    public void OneClassInputIsAClearErrorNotNaN()
    {
        var e = Assert.Throws<UserInputException>(() => Metrics.Auc([0.1f, 0.7f], [1, 1]));
        Assert.Contains("label 1", e.Message);
        Assert.Throws<UserInputException>(() => Metrics.Auc([], []));
    }
}

/// <summary>Normalised entropy and calibration ratio against values worked out by hand.</summary>
public sealed class CalibrationMetricsTests
{
    // Labels 0, 0, 0, 1 (CTR 0.25) scored 0.1, 0.2, 0.3, 0.6:
    //   logloss = (−ln 0.9 − ln 0.8 − ln 0.7 − ln 0.6) / 4 = 1.1960055 / 4 = 0.2990014
    //   H(0.25) = −(0.25 ln 0.25 + 0.75 ln 0.75) = 0.5623351
    //   NE = 0.2990014 / 0.5623351 = 0.5317146;  calibration = mean(p) / CTR = 0.3 / 0.25 = 1.2
    private static readonly float[] P = [0.1f, 0.2f, 0.3f, 0.6f];
    private static readonly float[] Y = [0, 0, 0, 1];

    [Fact]
    public void Normalized_entropy_is_logloss_over_the_entropy_of_the_base_rate()
    {
        Assert.Equal(0.5623351, DeepFM.Evaluation.Metrics.BaseRateEntropy(0.25), 6);
        Assert.Equal(0.5317146, DeepFM.Evaluation.Metrics.NormalizedEntropy(P, Y), 5);
        var r = DeepFM.Evaluation.EvalResult.Of(P, Y);
        Assert.Equal(0.5317146, r.NormalizedEntropy, 5);
        Assert.Equal(0.25, r.BaseRate, 12);
    }

    [Fact]
    public void Calibration_ratio_is_mean_prediction_over_the_observed_rate()
    {
        Assert.Equal(1.2, DeepFM.Evaluation.Metrics.CalibrationRatio(P, Y), 6);
        Assert.Equal(1.2, DeepFM.Evaluation.EvalResult.Of(P, Y).CalibrationRatio, 6);
    }

    [Fact]
    public void Predicting_the_base_rate_has_normalized_entropy_one_and_ratio_one()
    {
        float[] p = [0.25f, 0.25f, 0.25f, 0.25f];
        var r = DeepFM.Evaluation.EvalResult.Of(p, Y);
        Assert.Equal(1.0, r.NormalizedEntropy, 6);
        Assert.Equal(1.0, r.CalibrationRatio, 6);
    }
}
