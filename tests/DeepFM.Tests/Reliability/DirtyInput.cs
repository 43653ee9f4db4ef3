using CsCheck;

namespace DeepFM.Tests.Reliability;

/// <summary>
/// Generators of hostile input for the parsers: byte soup biased towards the bytes the parsers branch on, and valid
/// lines with a few random edits (which reach deeper than random bytes, whose first field is almost always wrong).
/// </summary>
internal static class DirtyInput
{
    // Separators of every format, number syntax, quotes, line ends, NUL, a byte-order mark, and lead and continuation
    // bytes of valid and invalid UTF-8 (0xED 0xA0 starts an encoded surrogate, which strict UTF-8 refuses).
    private static readonly byte[] s_alphabet =
        [.. "\t ,;:|\"-+.eE0123456789abxyzINFnaN\r\n"u8, 0x00, 0x80, 0xBF, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xED, 0xA0, 0xEF, 0xBB, 0xFF];

    /// <summary>One byte: mostly from the alphabet, sometimes any.</summary>
    public static readonly Gen<byte> Byte = Gen.Frequency((5, Gen.OneOf(s_alphabet)), (1, Gen.Byte));

    /// <summary>Arbitrary bytes up to <paramref name="max"/> long.</summary>
    public static Gen<byte[]> Bytes(int max) => Byte.Array[0, max];

    /// <summary>One of <paramref name="seeds"/> with up to <paramref name="edits"/> random byte insertions, deletions,
    /// replacements or duplicated spans.</summary>
    public static Gen<byte[]> Mutated(byte[][] seeds, int edits = 6) =>
        Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Select(Gen.Int[0, 3], Gen.Int[0, int.MaxValue], Byte).Array[0, edits],
            (s, ops) => Apply(seeds[s], ops));

    /// <summary>Either kind, half and half.</summary>
    public static Gen<byte[]> Any(byte[][] seeds, int max) => Gen.OneOf(Bytes(max), Mutated(seeds));

    private static byte[] Apply(byte[] seed, (int Op, int At, byte B)[] ops)
    {
        var b = new List<byte>(seed);
        foreach (var (op, at, x) in ops)
        {
            int i = b.Count == 0 ? 0 : at % (b.Count + 1);
            switch (op)
            {
                case 0: b.Insert(i, x); break;
                case 1: if (i < b.Count) b.RemoveAt(i); break;
                case 2: if (i < b.Count) b[i] = x; else b.Add(x); break;
                default:
                    // Repeat a span: more fields or lines than expected.
                    int n = Math.Min(b.Count - Math.Min(i, b.Count), 1 + at % 40);
                    b.InsertRange(i, b.GetRange(i, n));
                    break;
            }
        }
        return [.. b];
    }
}
