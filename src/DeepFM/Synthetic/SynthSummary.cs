namespace DeepFM.Synthetic;

/// <summary>What <see cref="CriteoSynth.Generate(SynthOptions, string, string?)"/> produced.</summary>
/// <param name="Rows">Rows written.</param>
/// <param name="Positives">Rows with label 1.</param>
/// <param name="MeanTrueProbability">Mean of the rows' true click probabilities (the truth file's mean).</param>
/// <param name="BaseLogit">The calibrated intercept b₀ of the planted logit.</param>
/// <param name="Elapsed">Wall time of the generation, model set-up included.</param>
public sealed record SynthSummary(long Rows, long Positives, double MeanTrueProbability, double BaseLogit, TimeSpan Elapsed)
{
    /// <summary>Empirical click-through rate, <see cref="Positives"/> / <see cref="Rows"/> (0 when there are no rows).</summary>
    public double Ctr => Rows == 0 ? 0 : (double)Positives / Rows;
}
