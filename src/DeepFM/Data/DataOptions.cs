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
