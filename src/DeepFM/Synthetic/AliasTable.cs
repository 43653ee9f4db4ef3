using System.Runtime.CompilerServices;

namespace DeepFM.Synthetic;

/// <summary>
/// Walker/Vose alias table: O(1) sampling from a fixed discrete distribution with one 64-bit random word and two
/// array reads, which keeps Zipf draws over 10⁶ values as cheap as over 10. Construction is O(n) and deterministic.
/// </summary>
internal sealed class AliasTable
{
    private readonly uint[] _threshold; // P(keep column i) scaled to 2³²
    private readonly int[] _alias;

    public AliasTable(ReadOnlySpan<double> weights)
    {
        int n = weights.Length;
        if (n == 0) throw new ArgumentException("At least one weight is required.", nameof(weights));
        double total = 0;
        foreach (double w in weights) total += w;
        var scaled = new double[n];
        for (int i = 0; i < n; i++) scaled[i] = weights[i] * n / total;

        _threshold = new uint[n];
        _alias = new int[n];
        var small = new int[n];
        var large = new int[n];
        int ns = 0, nl = 0;
        for (int i = 0; i < n; i++)
        {
            if (scaled[i] < 1.0) small[ns++] = i;
            else large[nl++] = i;
        }
        while (ns > 0 && nl > 0)
        {
            int s = small[--ns];
            int l = large[--nl];
            _threshold[s] = ToThreshold(scaled[s]);
            _alias[s] = l;
            scaled[l] = scaled[l] + scaled[s] - 1.0;
            if (scaled[l] < 1.0) small[ns++] = l;
            else large[nl++] = l;
        }
        // Leftovers are 1 up to rounding: always keep them.
        while (nl > 0) { int l = large[--nl]; _threshold[l] = uint.MaxValue; _alias[l] = l; }
        while (ns > 0) { int s = small[--ns]; _threshold[s] = uint.MaxValue; _alias[s] = s; }
    }

    public int Count => _alias.Length;

    private static uint ToThreshold(double p) => p >= 1.0 ? uint.MaxValue : (uint)(p * 4294967296.0);

    /// <summary>Draws an index: the high 32 bits pick a column, the low 32 bits decide column or alias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Sample(ulong bits)
    {
        int i = (int)(((bits >> 32) * (ulong)_alias.Length) >> 32);
        return (uint)bits < _threshold[i] || _threshold[i] == uint.MaxValue ? i : _alias[i];
    }
}
