namespace DeepFM.Data;

/// <summary>
/// A seeded random train/valid/test split decided per row from a hash of (seed, row index), so it can be applied
/// while streaming and is the same on every pass and every run.
/// </summary>
public sealed record SplitOptions
{
    /// <summary>Fraction of rows for validation, in [0, 1).</summary>
    public double ValidFraction { get; init; }

    /// <summary>Fraction of rows for test, in [0, 1).</summary>
    public double TestFraction { get; init; }

    /// <summary>Seed of the row hash.</summary>
    public long Seed { get; init; } = 2017;

    /// <summary>No split: every row is a training row.</summary>
    public static SplitOptions None { get; } = new();

    /// <summary>Checks the fractions, throwing <see cref="UserInputException"/> when they are out of range.</summary>
    public void Validate()
    {
        if (!(ValidFraction >= 0 && TestFraction >= 0 && ValidFraction + TestFraction < 1))
            throw new UserInputException(
                $"Split fractions must be non-negative and sum to less than 1 (valid {ValidFraction}, test {TestFraction}).");
    }

    /// <summary>The split of the row with 0-based index <paramref name="rowIndex"/> among the data rows.</summary>
    public SplitTag Assign(long rowIndex)
    {
        if (ValidFraction == 0 && TestFraction == 0) return SplitTag.Train;
        // SplitMix64 finaliser: a cheap, well-mixed hash so neighbouring rows are independent.
        ulong z = unchecked((ulong)Seed * 0x9E3779B97F4A7C15UL + (ulong)rowIndex + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        double u = (z >> 11) * (1.0 / (1UL << 53));
        if (u < ValidFraction) return SplitTag.Valid;
        if (u < ValidFraction + TestFraction) return SplitTag.Test;
        return SplitTag.Train;
    }
}
