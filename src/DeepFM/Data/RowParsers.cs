using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using System.Numerics;
using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text.Unicode;

namespace DeepFM.Data;

/// <summary>Name and kind of one input field, in model field order.</summary>
internal readonly record struct FieldSpec(string Name, FieldKind Kind);

/// <summary>
/// One parsed line before encoding: the label and, per field, a categorical key (raw UTF-8 bytes, validated, in a shared
/// byte buffer), a number, a missing flag and a value (1 unless the format carries one). Reused for every line.
/// </summary>
internal sealed class RawRow
{
    public RawRow(int fieldCount)
    {
        FieldCount = fieldCount;
        Missing = new bool[fieldCount];
        Number = new double[fieldCount];
        Value = new float[fieldCount];
        KeyStart = new int[fieldCount];
        KeyLength = new int[fieldCount];
    }

    public readonly int FieldCount;
    public float Label;
    public readonly bool[] Missing;
    public readonly double[] Number;
    public readonly float[] Value;
    public readonly int[] KeyStart;
    public readonly int[] KeyLength;
    public byte[] Bytes = new byte[256];
    public int ByteCount;

    /// <summary>True when the line is ASCII, so every key is valid UTF-8 without checking.</summary>
    public bool Ascii;

    public void Reset(int lineLength)
    {
        if (Bytes.Length < lineLength) Bytes = new byte[Math.Max(lineLength, Bytes.Length * 2)];
        ByteCount = 0;
        Array.Fill(Missing, true);
        Array.Fill(Value, 1f);
        Array.Clear(KeyLength);
        Array.Clear(Number);
    }

    /// <summary>The categorical key of field <paramref name="f"/> as UTF-8 bytes (empty when missing).</summary>
    public ReadOnlySpan<byte> Key(int f) => Bytes.AsSpan(KeyStart[f], KeyLength[f]);

    /// <summary>Stores a categorical key; false when the bytes are not valid UTF-8.</summary>
    public bool SetKey(int f, ReadOnlySpan<byte> utf8)
    {
        Missing[f] = utf8.IsEmpty;
        KeyStart[f] = ByteCount;
        if (!Ascii && !Utf8.IsValid(utf8)) return false;
        utf8.CopyTo(Bytes.AsSpan(ByteCount));
        KeyLength[f] = utf8.Length;
        ByteCount += utf8.Length;
        return true;
    }

    public void SetNumber(int f, double x)
    {
        Missing[f] = false;
        Number[f] = x;
    }
}

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

/// <summary>Criteo TSV: label, I1–I13, C1–C26; rows with trailing empty fields stripped are padded as missing.</summary>
internal sealed class CriteoParser : RowParser
{
    public const int IntFields = 13, CatFields = 26, Columns = 1 + IntFields + CatFields;
    private static readonly FieldSpec[] s_fields =
        [.. Enumerable.Range(1, IntFields).Select(i => new FieldSpec($"I{i}", FieldKind.Numeric)),
         .. Enumerable.Range(1, CatFields).Select(i => new FieldSpec($"C{i}", FieldKind.Categorical))];

    private readonly int _firstColumn; // 1 when the file has no label column (Kaggle test.txt)

    public CriteoParser(string fileName, bool labeled = true) : base(fileName, s_fields) => _firstColumn = labeled ? 0 : 1;

    private static string ColumnName(int col) => col == 0 ? "label" : col <= Columns - 1 ? s_fields[col - 1].Name : $"#{col + 1}";

    protected override string? FieldAt(ReadOnlySpan<byte> line, int pos) => ColumnName(_firstColumn + line[..pos].Count((byte)'\t'));

    protected override void ParseCore(ReadOnlySpan<byte> line, long lineNo, RawRow row)
    {
        // Column ends from one vectorised scan of the line, rather than a search call per (short) column.
        Span<int> ends = stackalloc int[Columns + 1];
        int found = FindTabs(line, ends[..^1]);
        // Columns to look at: all of them, or (too many tabs) as many as it takes to reach the first column too many,
        // whose text the error does not show. The last one looked at ends the line.
        int cols = Math.Min(found, ends.Length - 1) + 1;
        ends[cols - 1] = line.Length;
        int col = _firstColumn, start = 0;
        row.Label = 0;
        for (int c = 0; c < cols; c++, col++)
        {
            ReadOnlySpan<byte> tok = line[start..ends[c]];
            start = ends[c] + 1;
            if (col == 0)
            {
                if (tok.Length == 1 && (tok[0] == (byte)'0' || tok[0] == (byte)'1')) row.Label = tok[0] - (byte)'0';
                else throw Error(lineNo, "label", $"{DataFormatException.Show(tok)} is not 0 or 1");
            }
            else if (col <= IntFields)
            {
                if (!tok.IsEmpty)
                {
                    if (!NumericText.TryParseCriteoInteger(tok, out long v))
                        throw Error(lineNo, ColumnName(col), $"{DataFormatException.Show(tok)} is not an integer");
                    row.SetNumber(col - 1, v);
                }
            }
            else if (col < Columns)
            {
                if (!row.SetKey(col - 1, tok)) throw Error(lineNo, ColumnName(col), "is not valid UTF-8 (is this a binary file?)");
            }
            else
            {
                throw Error(lineNo, ColumnName(col), $"too many fields: found {line.Count((byte)'\t') + 1}, expected {Columns - _firstColumn}");
            }
        }
    }

    /// <summary>
    /// Writes the positions of the first <c>ends.Length</c> tabs of <paramref name="line"/> to <paramref name="ends"/>
    /// and returns how many were written, or <c>ends.Length + 1</c> when the line has more.
    /// </summary>
    private static int FindTabs(ReadOnlySpan<byte> line, Span<int> ends)
    {
        int n = 0, i = 0;
        ref byte p = ref MemoryMarshal.GetReference(line);
        if (Vector256.IsHardwareAccelerated)
        {
            var tab = Vector256.Create((byte)'\t');
            for (; i + Vector256<byte>.Count <= line.Length; i += Vector256<byte>.Count)
            {
                uint bits = Vector256.Equals(Vector256.LoadUnsafe(ref p, (nuint)i), tab).ExtractMostSignificantBits();
                while (bits != 0)
                {
                    if (n == ends.Length) return n + 1;
                    ends[n++] = i + BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                }
            }
        }
        for (; i < line.Length; i++)
        {
            if (line[i] != (byte)'\t') continue;
            if (n == ends.Length) return n + 1;
            ends[n++] = i;
        }
        return n;
    }
}

/// <summary>libsvm / libfm: <c>label idx:val …</c>; label 0/1 or −1/+1; one feature per field, by position or by a field map.</summary>
internal sealed class LibsvmParser : RowParser
{
    private readonly LibsvmFieldMap? _map;

    /// <summary>False for files that may lack the label token (prediction input); a first token without ':' is still a label.</summary>
    public bool Labeled { get; init; } = true;

    private static readonly SearchValues<byte> s_space = SearchValues.Create(" \t"u8);

    public override bool CategoricalValues => true;

    public LibsvmParser(string fileName, int featureCount)
        : base(fileName, [.. Enumerable.Range(0, featureCount).Select(i => new FieldSpec($"f{i}", FieldKind.Categorical))])
    {
        if (featureCount <= 0) throw new UserInputException($"{fileName}: no features in the first data row.");
    }

    public LibsvmParser(string fileName, LibsvmFieldMap map)
        : base(fileName, [.. map.Ranges.Select(r => new FieldSpec(r.Name, FieldKind.Categorical))]) => _map = map;

    /// <summary>The number of features on the first non-blank line: the field count of a positional file.</summary>
    public static int PeekFeatureCount(string path)
    {
        using var lines = new LineReader(path, 1 << 16);
        while (lines.TryReadLine(out var line))
        {
            int tokens = CountTokens(line);
            if (tokens > 0) return tokens - 1;
        }
        throw new UserInputException($"{path}: empty file (no data rows).");
    }

    protected override string? FieldAt(ReadOnlySpan<byte> line, int pos)
    {
        int tokens = 0;
        bool inTok = false;
        for (int i = 0; i < pos; i++)
        {
            bool sp = line[i] == (byte)' ' || line[i] == (byte)'\t';
            if (!sp && !inTok) tokens++;
            inTok = !sp;
        }
        if (!inTok) tokens++;
        return tokens <= 1 ? "label" : _map is null ? $"f{tokens - 2}" : $"#{tokens - 1}";
    }

    protected override void ParseCore(ReadOnlySpan<byte> line, long lineNo, RawRow row)
    {
        int k = -1; // feature count so far; -1 until the label is read
        while (true)
        {
            int s = line.IndexOfAnyExcept(s_space);
            if (s < 0) break;
            line = line[s..];
            int e = line.IndexOfAny(s_space);
            ReadOnlySpan<byte> tok = e < 0 ? line : line[..e];
            line = e < 0 ? default : line[e..];
            if (k < 0 && !Labeled && tok.IndexOf((byte)':') >= 0)
            {
                row.Label = 0;
                k = 0;
            }
            if (k < 0)
            {
                if (!TryParseDouble(tok, out double y) || (y != 0 && y != 1 && y != -1))
                    throw Error(lineNo, "label", $"{DataFormatException.Show(tok)} is not 0/1 or -1/+1");
                row.Label = y == 1 ? 1f : 0f;
                k = 0;
                continue;
            }
            int colon = tok.IndexOf((byte)':');
            string where = _map is null ? (k < Fields.Length ? Fields[k].Name : $"#{k + 1}") : $"#{k + 1}";
            if (colon <= 0) throw Error(lineNo, where, $"{DataFormatException.Show(tok)} is not index:value");
            var idxTok = tok[..colon];
            if (!Utf8Parser.TryParse(idxTok, out long idx, out int used) || used != idxTok.Length || idx < 0)
                throw Error(lineNo, where, $"feature index {DataFormatException.Show(idxTok)} is not a non-negative integer");
            if (!TryParseDouble(tok[(colon + 1)..], out double val))
                throw Error(lineNo, where, $"feature value {DataFormatException.Show(tok[(colon + 1)..])} is not a number");
            int f;
            if (_map is null)
            {
                f = k;
                if (f >= Fields.Length)
                    throw Error(lineNo, where, $"too many features: found {k + 1 + CountTokens(line)}, expected {Fields.Length}");
            }
            else
            {
                f = _map.FieldOf(idx);
                if (f < 0) throw Error(lineNo, where, $"feature index {idx} is in no field of the field map");
                if (!row.Missing[f]) throw Error(lineNo, Fields[f].Name, "has two features (only one per field is supported)");
            }
            row.SetKey(f, idxTok); // ASCII digits: always valid UTF-8
            row.Value[f] = (float)val;
            k++;
        }
        if (k < 0) throw Error(lineNo, "label", "is missing");
        if (_map is null && k != Fields.Length)
            throw Error(lineNo, Fields[k].Name, $"too few features: found {k}, expected {Fields.Length}");
    }

    private static int CountTokens(ReadOnlySpan<byte> s)
    {
        int n = 0;
        while (true)
        {
            int i = s.IndexOfAnyExcept(s_space);
            if (i < 0) return n;
            n++;
            s = s[i..];
            int e = s.IndexOfAny(s_space);
            if (e < 0) return n;
            s = s[e..];
        }
    }
}

/// <summary>Delimited text with a header; double-quoted fields with "" escapes (no newlines inside quotes).</summary>
internal sealed class CsvParser : RowParser
{
    private const int Ignore = -1, LabelRole = -2;
    private readonly byte _delim;
    private readonly int[] _roles; // per column: field index, Ignore or LabelRole
    private readonly string[] _header;
    private byte[] _scratch = new byte[256];

    private readonly bool _labeled;

    private CsvParser(string fileName, FieldSpec[] fields, string[] header, int[] roles, byte delim, bool labeled) : base(fileName, fields)
    {
        _labeled = labeled;
        _header = header;
        _roles = roles;
        _delim = delim;
    }

    public static CsvParser Create(string fileName, LineReader lines, CsvSchema schema, FieldSpec[]? knownFields, bool labeled = true)
    {
        if (schema.Delimiter > 127) throw new UserInputException("CSV schema: the delimiter must be an ASCII character.");
        byte delim = (byte)schema.Delimiter;
        ReadOnlySpan<byte> headerLine;
        do
        {
            if (!lines.TryReadLine(out headerLine)) throw new UserInputException($"{fileName}: empty file (no header row).");
        } while (headerLine.IsEmpty);
        string[] header;
        try
        {
            header = new System.Text.UTF8Encoding(false, true).GetString(headerLine).Split((char)delim)
                .Select(h => h.Length >= 2 && h[0] == '"' && h[^1] == '"' ? h[1..^1].Replace("\"\"", "\"") : h).Select(h => h.Trim()).ToArray();
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new DataFormatException(fileName, lines.LineNumber, null, "header is not valid UTF-8 (is this a binary file?)");
        }
        var colOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < header.Length; c++)
            if (!colOf.TryAdd(header[c], c))
                throw new DataFormatException(fileName, lines.LineNumber, header[c], "column name appears twice in the header");
        int Col(string name) => colOf.TryGetValue(name, out int c) ? c
            : throw new DataFormatException(fileName, lines.LineNumber, name, $"column not found in the header ({string.Join(',', header)})");

        var roles = new int[header.Length];
        Array.Fill(roles, Ignore);
        if (labeled) roles[Col(schema.Label)] = LabelRole;
        else if (colOf.TryGetValue(schema.Label, out int lc)) roles[lc] = Ignore;
        FieldSpec[] fields;
        if (knownFields is null)
        {
            var num = new HashSet<string>(schema.Numeric, StringComparer.Ordinal);
            var cat = schema.Categorical is null ? null : new HashSet<string>(schema.Categorical, StringComparer.Ordinal);
            foreach (var n in schema.Numeric) Col(n);
            foreach (var n in schema.Categorical ?? []) Col(n);
            var list = new List<FieldSpec>();
            for (int c = 0; c < header.Length; c++)
            {
                if (roles[c] == LabelRole) continue;
                if (num.Contains(header[c])) list.Add(new FieldSpec(header[c], FieldKind.Numeric));
                else if (cat is null || cat.Contains(header[c])) list.Add(new FieldSpec(header[c], FieldKind.Categorical));
                else continue;
                roles[c] = list.Count - 1;
            }
            if (list.Count == 0) throw new UserInputException($"{fileName}: the CSV schema selects no feature columns.");
            fields = [.. list];
        }
        else
        {
            fields = knownFields;
            for (int f = 0; f < fields.Length; f++) roles[Col(fields[f].Name)] = f;
        }
        return new CsvParser(fileName, fields, header, roles, delim, labeled);
    }

    private string ColumnName(int col) => col < _header.Length ? _header[col] : $"#{col + 1}";

    protected override string? FieldAt(ReadOnlySpan<byte> line, int pos) => ColumnName(line[..pos].Count(_delim));

    protected override void ParseCore(ReadOnlySpan<byte> line, long lineNo, RawRow row)
    {
        bool sawLabel = false;
        row.Label = 0;
        int col = 0;
        while (true)
        {
            ReadOnlySpan<byte> tok;
            bool last;
            if (!line.IsEmpty && line[0] == (byte)'"')
            {
                int qn = Unquote(ref line, lineNo, col);
                tok = _scratch.AsSpan(0, qn);
                last = line.IsEmpty;
                if (!last)
                {
                    if (line[0] != _delim) throw Error(lineNo, ColumnName(col), "text after a closing quote");
                    line = line[1..];
                }
            }
            else
            {
                int d = line.IndexOf(_delim);
                last = d < 0;
                tok = last ? line : line[..d];
                line = last ? default : line[(d + 1)..];
            }
            if (col >= _roles.Length)
                throw Error(lineNo, ColumnName(col), $"too many columns: found {col + 1 + line.Count(_delim) + (last ? 0 : 1)}, expected {_roles.Length}");
            int role = _roles[col];
            if (role == LabelRole)
            {
                if (!TryParseDouble(tok, out double y) || (y != 0 && y != 1))
                    throw Error(lineNo, ColumnName(col), $"{DataFormatException.Show(tok)} is not 0 or 1");
                row.Label = (float)y;
                sawLabel = true;
            }
            else if (role >= 0)
            {
                if (Fields[role].Kind == FieldKind.Numeric)
                {
                    if (!tok.IsEmpty)
                    {
                        if (!TryParseDouble(tok, out double x))
                            throw Error(lineNo, ColumnName(col), $"{DataFormatException.Show(tok)} is not a number");
                        row.SetNumber(role, x);
                    }
                }
                else if (!row.SetKey(role, tok))
                {
                    throw Error(lineNo, ColumnName(col), "is not valid UTF-8 (is this a binary file?)");
                }
            }
            if (last) break;
            col++;
        }
        if (!sawLabel && _labeled) throw Error(lineNo, ColumnName(Array.IndexOf(_roles, LabelRole)), "is missing");
    }

    private int Unquote(ref ReadOnlySpan<byte> line, long lineNo, int col)
    {
        if (_scratch.Length < line.Length) _scratch = new byte[line.Length * 2];
        int n = 0, i = 1;
        while (true)
        {
            int q = line[i..].IndexOf((byte)'"');
            if (q < 0) throw Error(lineNo, ColumnName(col), "unterminated quoted field");
            line.Slice(i, q).CopyTo(_scratch.AsSpan(n));
            n += q;
            i += q + 1;
            if (i < line.Length && line[i] == (byte)'"') { _scratch[n++] = (byte)'"'; i++; continue; }
            line = line[i..];
            return n;
        }
    }
}
