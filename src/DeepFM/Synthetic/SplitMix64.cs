using System.Runtime.CompilerServices;

namespace DeepFM.Synthetic;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014). Used instead of <see cref="System.Random"/> because its output is fixed by
/// this code, not by the runtime version, so a seed names the same data set forever. Each row gets its own generator
/// seeded from (seed, row index), which makes the output independent of how rows are spread over threads.
/// </summary>
internal struct SplitMix64
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>The SplitMix64 output function: a strong 64-bit bijective mixer, also used as a hash.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Hash of a seed and up to three small integers, for deterministic per-(field, value) quantities.</summary>
    public static ulong Hash(ulong seed, ulong a, ulong b = 0, ulong c = 0) =>
        Mix(Mix(Mix(seed + a * Gamma) ^ (b + 0x632BE59BD9B4E019UL)) ^ (c * 0xD1B54A32D192ED03UL));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Next() => Mix(_state += Gamma);

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Exact standard normal (Box–Muller); used only while building the model, where speed does not matter.</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1], so the log is finite
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>
    /// Approximate standard normal from one 64-bit word: the Irwin–Hall sum of four 16-bit uniforms, rescaled to unit
    /// variance. No transcendental functions, so it is cheap in the per-row loop; tails stop at ±3.46, which is
    /// harmless for log-normal counts.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ApproxGaussian(ulong bits)
    {
        double sum = (bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) + ((bits >> 32) & 0xFFFF) + (bits >> 48);
        // Each 16-bit part is uniform on {0..65535}: mean 32767.5, variance (65536² − 1)/12.
        const double Mean = 4 * 32767.5;
        const double InvSd = 1.0 / 37837.226811; // 1 / sqrt(4 · (65536² − 1) / 12)
        return (sum - Mean) * InvSd;
    }
}
