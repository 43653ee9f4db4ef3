namespace DeepFM.Synthetic;

/// <summary>
/// Options of <see cref="CriteoSynth"/>. The defaults give a data set on which the planted interactions are both
/// strong (an order-1 model loses several AUC points to the truth) and learnable from about 200k rows; see
/// <see cref="CriteoSynth"/> for the generative model.
/// </summary>
public sealed record SynthOptions
{
    /// <summary>Number of rows to generate (default 100,000).</summary>
    public long Rows { get; init; } = 100_000;

    /// <summary>Seed of the rows. Same seed and options give byte-identical output.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Seed of the "world" (cardinalities stay fixed; effects, latent vectors, value tokens and the base
    /// logit follow it). Null (default) uses <see cref="Seed"/>. Setting it lets two files with different
    /// <see cref="Seed"/>s be independent samples from the same model, e.g. a separate test set.</summary>
    public ulong? WorldSeed { get; init; }

    /// <summary>Day of a drifting world (0, the default, is the world as it starts). On each later day, a share
    /// <see cref="DriftRate"/> of every categorical field's values is replaced by new ones: the value of rank r keeps
    /// its frequency and effects but shows a token never seen before, as new ads and items take over the slots of old
    /// ones. Day d's data share the world of day 0 in everything else. For warm-start experiments.</summary>
    public int Day { get; init; }

    /// <summary>Share of each field's values renewed per day of <see cref="Day"/> (default 0.3).</summary>
    public double DriftRate { get; init; } = 0.3;

    /// <summary>Target mean click probability; the base logit b₀ is calibrated to it (default 0.25).</summary>
    public double BaseRate { get; init; } = 0.25;

    /// <summary>Zipf exponent s of the categorical value distributions, P(rank r) ∝ r^−s (default 1.15).</summary>
    public double ZipfExponent { get; init; } = 1.15;

    /// <summary>Cap on every categorical field's cardinality (default 1,000,000, i.e. no cap). Tests use smaller values
    /// for small vocabularies and fast set-up.</summary>
    public int MaxCardinality { get; init; } = 1_000_000;

    /// <summary>Number of most frequent values of each field that carry effects (default 50); the rest have none.</summary>
    public int HeadSize { get; init; } = 50;

    /// <summary>Standard deviation σ₁ of the order-1 effects of head values (default 0.30).</summary>
    public double MainEffectScale { get; init; } = 0.30;

    /// <summary>Standard deviation of each order-2 pair term within the head, before λ (default 0.26).</summary>
    public double PairEffectScale { get; init; } = 0.26;

    /// <summary>Standard deviation of each order-3 triple term within the head, before λ (default 0.22). Only the deep
    /// part of DeepFM can represent it.</summary>
    public double TripleEffectScale { get; init; } = 0.22;

    /// <summary>Multiplier λ of all order-2 and order-3 effects (default 1; 0 leaves an order-1-only model).</summary>
    public double InteractionStrength { get; init; } = 1.0;

    /// <summary>Multiplier of the effects of the integer fields (default 1).</summary>
    public double IntegerEffectScale { get; init; } = 1.0;

    /// <summary>Multiplier of every field's missing rate (default 1; 0 gives no missing values). Rates are clamped to 0.95.</summary>
    public double MissingRateScale { get; init; } = 1.0;

    /// <summary>Most threads to use; 0 (default) means every core. The output does
    /// not depend on it.</summary>
    public int MaxThreads { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (Rows < 0) throw new ArgumentOutOfRangeException(nameof(Rows), Rows, "Rows must be non-negative.");
        if (!(BaseRate > 0 && BaseRate < 1))
            throw new ArgumentOutOfRangeException(nameof(BaseRate), BaseRate, "BaseRate must lie in (0, 1).");
        if (!(ZipfExponent >= 0 && ZipfExponent <= 10))
            throw new ArgumentOutOfRangeException(nameof(ZipfExponent), ZipfExponent, "ZipfExponent must lie in [0, 10].");
        if (MaxCardinality < 1 || MaxCardinality > 100_000_000)
            throw new ArgumentOutOfRangeException(nameof(MaxCardinality), MaxCardinality, "MaxCardinality must lie in [1, 10⁸].");
        if (HeadSize < 0) throw new ArgumentOutOfRangeException(nameof(HeadSize), HeadSize, "HeadSize must be non-negative.");
        CheckScale(MainEffectScale, nameof(MainEffectScale));
        CheckScale(PairEffectScale, nameof(PairEffectScale));
        CheckScale(TripleEffectScale, nameof(TripleEffectScale));
        CheckScale(InteractionStrength, nameof(InteractionStrength));
        CheckScale(IntegerEffectScale, nameof(IntegerEffectScale));
        CheckScale(MissingRateScale, nameof(MissingRateScale));
        if (Day < 0 || Day > 1000) throw new ArgumentOutOfRangeException(nameof(Day), Day, "Day must lie in [0, 1000].");
        if (!(DriftRate >= 0 && DriftRate <= 1)) throw new ArgumentOutOfRangeException(nameof(DriftRate), DriftRate, "DriftRate must lie in [0, 1].");
        if (MaxThreads < 0) throw new ArgumentOutOfRangeException(nameof(MaxThreads), MaxThreads, "MaxThreads must be non-negative.");
    }

    private static void CheckScale(double value, string name)
    {
        if (!(value >= 0 && value <= 100)) throw new ArgumentOutOfRangeException(name, value, $"{name} must lie in [0, 100].");
    }
}
