using System.Numerics;
using System.Runtime.CompilerServices;

namespace DeepFM.Engine;

/// <summary>
/// xoshiro256** generator seeded by SplitMix64. Used instead of <see cref="Random"/> because its sequence is fixed by
/// this code, so the same seed gives the same model on every runtime version.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareGaussian = double.NaN;

    /// <summary>Creates a generator from a seed.</summary>
    public Rng(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>Derives an independent stream, e.g. one per layer, from a seed and a stream number.</summary>
    public static Rng Derive(long seed, int stream) => new(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(stream + 1) * 0xD1B54A32D192ED03UL));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 24 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => (int)((NextUInt64() >> 32) * (ulong)n >> 32);

    /// <summary>Standard normal (Box–Muller).</summary>
    public double NextGaussian()
    {
        if (!double.IsNaN(_spareGaussian))
        {
            double s = _spareGaussian;
            _spareGaussian = double.NaN;
            return s;
        }
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareGaussian = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Fisher–Yates shuffle.</summary>
    public void Shuffle(Span<int> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
