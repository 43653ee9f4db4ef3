namespace DeepFM.Data;

/// <summary>Streams parsed rows of a file, skipping blank lines and (optionally) malformed ones.</summary>
internal sealed class RowReader : IDisposable
{
    private readonly LineReader _lines;
    private readonly RowParser _parser;
    private readonly bool _skipBad;

    private RowReader(LineReader lines, RowParser parser, bool skipBad)
    {
        _lines = lines;
        _parser = parser;
        _skipBad = skipBad;
        Row = new RawRow(parser.Fields.Length);
    }

    public static RowReader Open(string path, ReaderSettings reader, FieldSpec[]? knownFields, bool skipBad, bool labeled = true) =>
        Open(path, reader.Format, reader.CsvSchema, reader.LibsvmFieldMap, knownFields, skipBad, labeled);

    public static RowReader Open(string path, DataFormat format, CsvSchema? schema, LibsvmFieldMap? fieldMap, FieldSpec[]? knownFields,
        bool skipBad, bool labeled = true)
    {
        var lines = new LineReader(path);
        try
        {
            var parser = RowParser.Create(format, path, lines, schema, fieldMap, knownFields, labeled);
            if (knownFields is not null && parser.Fields.Length != knownFields.Length)
                throw new UserInputException($"{path}: has {parser.Fields.Length} fields, the feature map {knownFields.Length}.");
            return new RowReader(lines, parser, skipBad);
        }
        catch
        {
            lines.Dispose();
            throw;
        }
    }

    public FieldSpec[] Fields => _parser.Fields;

    /// <summary>True when categorical fields may carry a value other than 1 (see <see cref="RowParser.CategoricalValues"/>).</summary>
    public bool CategoricalValues => _parser.CategoricalValues;
    public RawRow Row { get; }
    public string FileName => _parser.FileName;

    /// <summary>0-based index of the current row among accepted rows.</summary>
    public long RowIndex { get; private set; } = -1;

    /// <summary>Malformed lines skipped so far.</summary>
    public long Skipped { get; private set; }

    public long LineNumber => _lines.LineNumber;
    public long BytesRead => _lines.Position;

    public bool Next()
    {
        while (_lines.TryReadLine(out var line))
        {
            if (line.IsEmpty) continue;
            if (_skipBad)
            {
                try { _parser.Parse(line, _lines.LineNumber, Row); }
                catch (DataFormatException) { Skipped++; continue; }
            }
            else
            {
                _parser.Parse(line, _lines.LineNumber, Row);
            }
            RowIndex++;
            return true;
        }
        return false;
    }

    public void Dispose() => _lines.Dispose();
}
