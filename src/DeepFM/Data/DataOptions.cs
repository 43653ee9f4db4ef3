namespace DeepFM.Data;

/// <summary>How raw data is read and turned into features.</summary>
public sealed record DataOptions
{
    /// <summary>Input format.</summary>
    public DataFormat Format { get; init; } = DataFormat.Criteo;

    /// <summary>Values seen fewer times than this on training rows map to their field's OOV id. At least 1.</summary>
    public int MinCount { get; init; } = 1;

    /// <summary>Encoding of numeric fields.</summary>
    public NumericEncoding NumericEncoding { get; init; } = NumericEncoding.Bucket;

    /// <summary>Column roles for <see cref="DataFormat.Csv"/>; required for that format.</summary>
    public CsvSchema? CsvSchema { get; init; }

    /// <summary>Feature-id ranges per field for <see cref="DataFormat.Libsvm"/>; when null, fields are taken by position.</summary>
    public LibsvmFieldMap? LibsvmFieldMap { get; init; }

    /// <summary>How raw files are read: <see cref="Format"/>, <see cref="CsvSchema"/> and <see cref="LibsvmFieldMap"/>.</summary>
    public ReaderSettings Reader => new(Format, CsvSchema, LibsvmFieldMap);

    /// <summary>When true, malformed lines are skipped and counted instead of raising <see cref="UserInputException"/>.</summary>
    public bool SkipBadLines { get; init; }

    /// <summary>The command line's default min-count: 10 for Criteo (the usual setting for its long tail), 1 otherwise.</summary>
    public static int DefaultMinCount(DataFormat format) => format == DataFormat.Criteo ? 10 : 1;

    /// <summary>Checks the options, throwing <see cref="UserInputException"/> for a bad combination.</summary>
    public void Validate()
    {
        if (MinCount < 1) throw new UserInputException($"min-count must be at least 1, got {MinCount}.");
        if (Format == DataFormat.Csv && CsvSchema is null)
            throw new UserInputException("CSV input needs a schema (e.g. \"label=label;cat=*;num=I1,I2\").");
        if (!Enum.IsDefined(Format)) throw new UserInputException($"Unknown data format {(int)Format}.");
        if (!Enum.IsDefined(NumericEncoding)) throw new UserInputException($"Unknown numeric encoding {(int)NumericEncoding}.");
    }

    internal ulong Fingerprint()
    {
        var h = new System.IO.Hashing.XxHash64(0x5EED);
        Span<byte> b = stackalloc byte[16];
        BitConverter.TryWriteBytes(b, (int)Format);
        BitConverter.TryWriteBytes(b[4..], MinCount);
        BitConverter.TryWriteBytes(b[8..], (int)NumericEncoding);
        BitConverter.TryWriteBytes(b[12..], SkipBadLines ? 1 : 0);
        h.Append(b);
        h.Append(System.Text.Encoding.UTF8.GetBytes("|" + (CsvSchema?.ToString() ?? "") + "|" + (LibsvmFieldMap?.ToString() ?? "")));
        return h.GetCurrentHashAsUInt64();
    }
}

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
