namespace DeepFM.Data;

/// <summary>Splits one line of a given format into a <see cref="RawRow"/>, or throws <see cref="DataFormatException"/>.</summary>
internal abstract class RowParser
{
    protected RowParser(string fileName, FieldSpec[] fields)
    {
        FileName = fileName;
        Fields = fields;
    }

    public string FileName { get; }
    public FieldSpec[] Fields { get; }

    /// <summary>True when categorical fields may carry a value other than 1 (libsvm's idx:value).</summary>
    public virtual bool CategoricalValues => false;

    public void Parse(ReadOnlySpan<byte> line, long lineNo, RawRow row)
    {
        // One scan finds the usual line, NUL-free ASCII, whose keys then need no UTF-8 validation each.
        bool ascii = line.IndexOfAnyExceptInRange((byte)1, (byte)0x7F) < 0;
        if (!ascii)
        {
            int nul = line.IndexOf((byte)0);
            if (nul >= 0) throw Error(lineNo, FieldAt(line, nul), "contains a NUL byte (is this a binary file?)");
        }
        row.Reset(line.Length);
        row.Ascii = ascii;
        ParseCore(line, lineNo, row);
    }

    protected abstract void ParseCore(ReadOnlySpan<byte> line, long lineNo, RawRow row);

    /// <summary>Name of the field holding byte <paramref name="pos"/> of the line, for error messages.</summary>
    protected abstract string? FieldAt(ReadOnlySpan<byte> line, int pos);

    protected DataFormatException Error(long line, string? field, string problem) => new(FileName, line, field, problem);

    protected static bool TryParseDouble(ReadOnlySpan<byte> s, out double x) => NumericText.TryParseNumber(s, out x);

    public static RowParser Create(DataFormat format, string path, LineReader lines, CsvSchema? schema, LibsvmFieldMap? fieldMap,
        FieldSpec[]? knownFields, bool labeled = true)
    {
        string name = Path.GetFileName(path);
        switch (format)
        {
            case DataFormat.Criteo:
                return new CriteoParser(name, labeled);
            case DataFormat.Libsvm:
                if (fieldMap is not null) return new LibsvmParser(name, fieldMap) { Labeled = labeled };
                int n = knownFields?.Length ?? LibsvmParser.PeekFeatureCount(path);
                return new LibsvmParser(name, n) { Labeled = labeled };
            case DataFormat.Csv:
                return CsvParser.Create(name, lines, schema ?? throw new UserInputException("CSV input needs a schema."), knownFields, labeled);
            default:
                throw new UserInputException($"Unknown data format {format}.");
        }
    }
}
