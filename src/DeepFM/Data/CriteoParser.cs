using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using System.Numerics;

namespace DeepFM.Data;

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
