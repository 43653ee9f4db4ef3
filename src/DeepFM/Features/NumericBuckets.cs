using System.Globalization;

namespace DeepFM.Features;

/// <summary>Criteo log-squared bucketing of numeric values into categorical keys.</summary>
internal static class NumericBuckets
{
    /// <summary>Longest key written by <see cref="Format"/>.</summary>
    public const int MaxKeyLength = 32;

    /// <summary>
    /// Writes the bucket key of <paramref name="x"/>: missing → "" (its own bucket); x &gt; 2 → ⌊ln(x)²⌋; otherwise x
    /// itself. Integers print without a decimal point, so 3 and 1 share bucket "1" as in the Criteo winners' code.
    /// </summary>
    public static int Format(bool missing, double x, Span<char> dst)
    {
        if (missing || double.IsNaN(x)) return 0;
        if (x > 2)
        {
            if (double.IsPositiveInfinity(x)) { "inf".CopyTo(dst); return 3; }
            double l = Math.Log(x);
            x = Math.Floor(l * l);
        }
        int n;
        if (x == Math.Floor(x) && Math.Abs(x) < 1e15) ((long)x).TryFormat(dst, out n, default, CultureInfo.InvariantCulture);
        else x.TryFormat(dst, out n, "R", CultureInfo.InvariantCulture);
        return n;
    }

    /// <summary>Smallest and one past the largest integer bucket resolved without formatting a key.</summary>
    public const int IntBucketMin = -64, IntBucketMax = 2048;

    private const int SmallMax = 1 << 16;

    /// <summary>Bucket of each integer in [0, SmallMax): the same ⌊ln(x)²⌋ (or x) as <see cref="Format"/> computes.</summary>
    private static readonly short[] s_small = BuildSmall();

    private static short[] BuildSmall()
    {
        var t = new short[SmallMax];
        for (int i = 0; i < SmallMax; i++)
        {
            double x = i;
            t[i] = (short)(x > 2 ? Math.Floor(Math.Log(x) * Math.Log(x)) : x);
        }
        return t;
    }

    /// <summary>
    /// The bucket of a present value when it is an integer in [<see cref="IntBucketMin"/>, <see cref="IntBucketMax"/>)
    /// (its key is then that integer printed); false for other buckets, whose keys come from <see cref="Format"/>.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static bool TryIntBucket(double x, out int bucket)
    {
        if (x >= 0 && x < SmallMax)
        {
            int i = (int)x;
            if (i == x) { bucket = s_small[i]; return true; }
        }
        return TryIntBucketSlow(x, out bucket);
    }

    private static bool TryIntBucketSlow(double x, out int bucket)
    {
        double b = x > 2 && x < double.PositiveInfinity ? Math.Floor(Math.Log(x) * Math.Log(x)) : x;
        if (b >= IntBucketMin && b < IntBucketMax && b == Math.Floor(b))
        {
            bucket = (int)b;
            return true;
        }
        bucket = 0;
        return false;
    }

    /// <summary>Bucket key as a string (tests and diagnostics); null input means missing.</summary>
    public static string Key(double? x)
    {
        Span<char> buf = stackalloc char[MaxKeyLength];
        int n = Format(x is null, x ?? 0, buf);
        return new string(buf[..n]);
    }

    /// <summary>The <see cref="Data.NumericEncoding.LogValue"/> transform: sign(x)·ln(1+|x|).</summary>
    public static float LogValue(double x) => (float)(Math.Sign(x) * Math.Log(1 + Math.Abs(x)));
}
