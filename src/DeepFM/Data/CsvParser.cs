namespace DeepFM.Data;

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
            foreach (var mv in schema.Multi) Col(mv.Name);
            var list = new List<FieldSpec>();
            for (int c = 0; c < header.Length; c++)
            {
                if (roles[c] == LabelRole) continue;
                if (num.Contains(header[c])) list.Add(new FieldSpec(header[c], FieldKind.Numeric));
                else if (schema.MultiOf(header[c]) is not null) list.Add(new FieldSpec(header[c], FieldKind.MultiCategorical));
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
                            throw Error(lineNo, ColumnName(col), $"{DataFormatException.Show(tok)} {NumericText.Refusal(tok)}");
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
