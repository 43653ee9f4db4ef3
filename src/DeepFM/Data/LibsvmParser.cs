using System.Buffers;
using System.Buffers.Text;

namespace DeepFM.Data;

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
                throw Error(lineNo, where, $"feature value {DataFormatException.Show(tok[(colon + 1)..])} {NumericText.Refusal(tok[(colon + 1)..])}");
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
