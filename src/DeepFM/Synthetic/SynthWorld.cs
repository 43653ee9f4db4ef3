using System.Numerics;
using System.Runtime.CompilerServices;

namespace DeepFM.Synthetic;

/// <summary>
/// The planted model behind <see cref="CriteoSynth"/>: value distributions, effects and the calibrated intercept.
/// Everything is a deterministic function of the options (world seed included); see docs/synth.md for the formulas.
/// </summary>
internal sealed class SynthWorld
{
    public const int IntCount = 13;
    public const int CatCount = 26;
    public const int LatentDim = 2;
    public const int CalibrationRows = 50_000;

    /// <summary>Order-2 groups (0-based C fields): every pair inside a group interacts through a shared latent space,
    /// so the planted order-2 part is exactly an FM with D = 2 per group. Moderate cardinalities (16–1000) so that
    /// the head values are seen often enough to be learned. 6 + 3 = 9 pairs.</summary>
    public static readonly int[][] PairGroups = [[1, 4, 7, 10], [2, 5, 9]]; // {C2,C5,C8,C11}, {C3,C6,C10}

    /// <summary>Order-3 triples (0-based C fields).</summary>
    public static readonly int[][] Triples = [[0, 3, 8], [2, 6, 11]]; // {C1,C4,C9}, {C3,C7,C12}

    /// <summary>Missing rates of C1..C26, loosely after Criteo: a few fields are often empty, most never.</summary>
    public static readonly double[] CatMissing =
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.03, 0, 0, 0, 0.03, 0, 0, 0.40, 0.40, 0.03, 0.40, 0, 0.03, 0.40, 0.40,
    ];

    /// <summary>Integer field I(i+1): count = ⌊exp(μ + σ z)⌋ with z = ρ·g(C_src value) + √(1−ρ²)·ε; β is the
    /// effect per log₂ bucket (0: no effect).</summary>
    internal readonly record struct IntSpec(double Mu, double Sigma, double Missing, int Source, double Rho, double Beta);

    public static readonly IntSpec[] IntSpecs =
    [
        new(0.5, 1.3, 0.40, -1, 0.0, 0),
        new(2.0, 1.8, 0.05, 10, 0.5, 0),    // I2 ~ C11
        new(1.5, 1.4, 0.20, -1, 0.0, 0),
        new(1.2, 1.0, 0.20, 5, 0.4, 0),     // I4 ~ C6
        new(7.5, 2.0, 0.05, 13, 0.6, 0.10), // I5 ~ C14, effect
        new(3.5, 1.6, 0.20, -1, 0.0, 0),
        new(1.8, 1.5, 0.05, 2, 0.5, -0.15), // I7 ~ C3, effect
        new(2.2, 1.0, 0.05, -1, 0.0, 0),
        new(3.8, 1.4, 0.05, 19, 0.3, 0),    // I9 ~ C20
        new(0.2, 0.8, 0.40, -1, 0.0, 0),
        new(1.0, 1.2, 0.05, 8, 0.5, 0.20),  // I11 ~ C9, effect
        new(0.1, 0.9, 0.35, -1, 0.0, 0),
        new(1.6, 1.2, 0.20, -1, 0.0, 0),
    ];

    private const int MaxBucket = 20;
    private const long MaxCount = 1_000_000_000;

    private readonly ulong _worldSeed;
    private readonly int[] _card = new int[CatCount];
    private readonly int[] _head = new int[CatCount];
    private readonly AliasTable[] _zipf = new AliasTable[CatCount];
    private readonly double[][] _zipfProb = new double[CatCount][]; // head probabilities only
    private readonly ulong[] _catMissThreshold = new ulong[CatCount];
    private readonly ulong[] _intMissThreshold = new ulong[IntCount];
    private readonly uint[] _tokenSalt = new uint[CatCount];
    private readonly int _day;
    private readonly ulong _driftThreshold;
    private readonly double[][] _main = new double[CatCount][];
    private readonly double[][][] _pairLatent;   // [group][member][rank * D + d]
    private readonly double[][][] _tripleLatent; // [triple][member][rank * D + d]
    private readonly double _pairCoef;
    private readonly double _tripleCoef;
    private readonly double[] _intBeta = new double[IntCount];
    private readonly double[] _intMedianBucket = new double[IntCount];

    public SynthWorld(SynthOptions options)
    {
        options.Validate();
        _worldSeed = options.WorldSeed ?? options.Seed;
        _day = options.Day;
        _driftThreshold = ToThreshold(options.DriftRate);
        var rng = new SplitMix64(SplitMix64.Hash(_worldSeed, 0x57A7E));

        for (int f = 0; f < CatCount; f++)
        {
            _card[f] = DesignCardinality(f, options.MaxCardinality);
            _head[f] = Math.Min(options.HeadSize, _card[f]);
            var w = new double[_card[f]];
            double total = 0;
            for (int r = 0; r < w.Length; r++) total += w[r] = Math.Pow(r + 1, -options.ZipfExponent);
            _zipf[f] = new AliasTable(w);
            _zipfProb[f] = new double[_head[f]];
            for (int r = 0; r < _head[f]; r++) _zipfProb[f][r] = w[r] / total;
            _catMissThreshold[f] = ToThreshold(CatMissing[f] * options.MissingRateScale);
            _tokenSalt[f] = (uint)SplitMix64.Hash(_worldSeed, 0x70CE, (ulong)f);
        }
        for (int i = 0; i < IntCount; i++)
        {
            _intMissThreshold[i] = ToThreshold(IntSpecs[i].Missing * options.MissingRateScale);
            _intBeta[i] = IntSpecs[i].Beta * options.IntegerEffectScale;
            _intMedianBucket[i] = Bucket((long)Math.Floor(Math.Exp(IntSpecs[i].Mu)));
        }

        // Order-1: N(0,1) draws, centred and scaled to sd σ₁ under the field's own head distribution, so the effect
        // variance does not hinge on which few values a seed happens to give the top ranks.
        for (int f = 0; f < CatCount; f++)
        {
            var e = new double[_head[f]];
            for (int r = 0; r < e.Length; r++) e[r] = rng.NextGaussian();
            Standardize(e, _zipfProb[f], 1, options.MainEffectScale);
            _main[f] = e;
        }

        _pairLatent = new double[PairGroups.Length][][];
        for (int g = 0; g < PairGroups.Length; g++)
        {
            _pairLatent[g] = new double[PairGroups[g].Length][];
            for (int m = 0; m < PairGroups[g].Length; m++) _pairLatent[g][m] = NewLatent(ref rng, PairGroups[g][m]);
        }
        _tripleLatent = new double[Triples.Length][][];
        for (int t = 0; t < Triples.Length; t++)
        {
            _tripleLatent[t] = new double[3][];
            for (int m = 0; m < 3; m++) _tripleLatent[t][m] = NewLatent(ref rng, Triples[t][m]);
        }
        _pairCoef = options.InteractionStrength * options.PairEffectScale / Math.Sqrt(LatentDim);
        _tripleCoef = options.InteractionStrength * options.TripleEffectScale / Math.Sqrt(LatentDim);

        BaseLogit = Calibrate(options.BaseRate);
    }

    /// <summary>The intercept b₀, chosen so that the mean true probability is the requested base rate.</summary>
    public double BaseLogit { get; private set; }

    public ulong WorldSeed => _worldSeed;

    /// <summary>Cardinality of C(f+1) before the cap: 10^(1 + 5f/25), i.e. log-uniformly spaced from 10 to 10⁶.</summary>
    public static int DesignCardinality(int field, int cap) =>
        Math.Min(cap, (int)Math.Round(Math.Pow(10, 1 + 5.0 * field / (CatCount - 1))));

    public int Cardinality(int field) => _card[field];

    public int HeadSize(int field) => _head[field];

    /// <summary>The field's value token: a bijective 32-bit mix of the rank, so tokens never collide within a field
    /// and the rank cannot be read off them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Token(int field, int rank)
    {
        uint h = (uint)rank ^ _tokenSalt[field];
        if (_day > 0) h ^= Generation(field, rank) * 0x9E3779B9u;   // a renewed value: a new token for the same rank
        h ^= h >> 16; h *= 0x85EBCA6B; h ^= h >> 13; h *= 0xC2B2AE35; h ^= h >> 16; // murmur3 fmix32, a bijection
        return h;
    }

    /// <summary>How many times, by <see cref="SynthOptions.Day"/>, the value of <paramref name="rank"/> was renewed.</summary>
    private uint Generation(int field, int rank)
    {
        uint g = 0;
        ulong key = SplitMix64.Hash(_worldSeed, 0xD81F7, (ulong)field, (ulong)rank);
        for (int d = 1; d <= _day; d++)
            if (SplitMix64.Hash(key, (ulong)d) < _driftThreshold) g++;
        return g;
    }

    public SplitMix64 RowRng(ulong seed, long row) => new(SplitMix64.Hash(seed, 0x80A5, (ulong)row));

    /// <summary>Draws one row's features: <paramref name="ranks"/> gets 0-based value ranks (−1 = missing),
    /// <paramref name="ints"/> the counts (−1 = missing).</summary>
    public void SampleRow(ref SplitMix64 rng, Span<int> ranks, Span<long> ints)
    {
        for (int f = 0; f < CatCount; f++)
        {
            ulong t = _catMissThreshold[f];
            ranks[f] = t != 0 && rng.Next() < t ? -1 : _zipf[f].Sample(rng.Next());
        }
        for (int i = 0; i < IntCount; i++)
        {
            ref readonly IntSpec s = ref IntSpecs[i];
            ulong t = _intMissThreshold[i];
            if (t != 0 && rng.Next() < t) { ints[i] = -1; continue; }
            double z = SplitMix64.ApproxGaussian(rng.Next());
            if (s.Source >= 0)
            {
                int r = ranks[s.Source];
                double g = r < 0 ? 0 : SplitMix64.ApproxGaussian(SplitMix64.Hash(_worldSeed, 0x16, (ulong)s.Source, (ulong)r));
                z = s.Rho * g + Math.Sqrt(1 - s.Rho * s.Rho) * z;
            }
            double x = Math.Floor(Math.Exp(s.Mu + s.Sigma * z));
            ints[i] = x >= MaxCount ? MaxCount : (long)x;
        }
    }

    /// <summary>The planted logit of a row, intercept included.</summary>
    public double Logit(ReadOnlySpan<int> ranks, ReadOnlySpan<long> ints) => BaseLogit + LogitWithoutBase(ranks, ints);

    private double LogitWithoutBase(ReadOnlySpan<int> ranks, ReadOnlySpan<long> ints)
    {
        double s = 0;
        for (int f = 0; f < CatCount; f++)
        {
            int r = ranks[f];
            if ((uint)r < (uint)_head[f]) s += _main[f][r];
        }
        s += _pairCoef * PairPart(ranks) + _tripleCoef * TriplePart(ranks);
        for (int i = 0; i < IntCount; i++)
        {
            if (_intBeta[i] == 0 || ints[i] < 0) continue;
            s += _intBeta[i] * (Bucket(ints[i]) - _intMedianBucket[i]);
        }
        return s;
    }

    /// <summary>Σ over pairs (a, b) inside each group of ⟨u_a, u_b⟩, via (|Σu|² − Σ|u|²)/2; values outside the head
    /// (and missing values) have u = 0.</summary>
    private double PairPart(ReadOnlySpan<int> ranks)
    {
        double total = 0;
        for (int g = 0; g < PairGroups.Length; g++)
        {
            int[] members = PairGroups[g];
            double s0 = 0, s1 = 0, sq = 0;
            for (int m = 0; m < members.Length; m++)
            {
                int r = ranks[members[m]];
                if ((uint)r >= (uint)_head[members[m]]) continue;
                double[] u = _pairLatent[g][m];
                double a = u[r * LatentDim], b = u[r * LatentDim + 1];
                s0 += a; s1 += b; sq += a * a + b * b;
            }
            total += 0.5 * (s0 * s0 + s1 * s1 - sq);
        }
        return total;
    }

    private double TriplePart(ReadOnlySpan<int> ranks)
    {
        double total = 0;
        for (int t = 0; t < Triples.Length; t++)
        {
            int[] fs = Triples[t];
            int ra = ranks[fs[0]], rb = ranks[fs[1]], rc = ranks[fs[2]];
            if ((uint)ra >= (uint)_head[fs[0]] || (uint)rb >= (uint)_head[fs[1]] || (uint)rc >= (uint)_head[fs[2]]) continue;
            double[] ua = _tripleLatent[t][0], ub = _tripleLatent[t][1], uc = _tripleLatent[t][2];
            for (int d = 0; d < LatentDim; d++)
                total += ua[ra * LatentDim + d] * ub[rb * LatentDim + d] * uc[rc * LatentDim + d];
        }
        return total;
    }

    /// <summary>Order-2 effect (λ included) of the value pair (ranks ra of C(fa+1), rb of C(fb+1)), 0 when the fields
    /// are not in one group or either value is outside the head. For tests.</summary>
    public double PairEffect(int fa, int ra, int fb, int rb)
    {
        for (int g = 0; g < PairGroups.Length; g++)
        {
            int ma = Array.IndexOf(PairGroups[g], fa), mb = Array.IndexOf(PairGroups[g], fb);
            if (ma < 0 || mb < 0 || ma == mb) continue;
            if ((uint)ra >= (uint)_head[fa] || (uint)rb >= (uint)_head[fb]) return 0;
            double[] ua = _pairLatent[g][ma], ub = _pairLatent[g][mb];
            double dot = 0;
            for (int d = 0; d < LatentDim; d++) dot += ua[ra * LatentDim + d] * ub[rb * LatentDim + d];
            return _pairCoef * dot;
        }
        return 0;
    }

    /// <summary>Order-1 effect of rank r of C(f+1). For tests.</summary>
    public double MainEffect(int f, int r) => (uint)r < (uint)_head[f] ? _main[f][r] : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Bucket(long x) => Math.Min(MaxBucket, BitOperations.Log2((ulong)x + 1));

    private static ulong ToThreshold(double rate)
    {
        rate = Math.Clamp(rate, 0, 0.95);
        return rate <= 0 ? 0 : (ulong)(rate * 18446744073709551616.0);
    }

    private double[] NewLatent(ref SplitMix64 rng, int field)
    {
        int h = _head[field];
        var u = new double[h * LatentDim];
        for (int i = 0; i < u.Length; i++) u[i] = rng.NextGaussian();
        Standardize(u, _zipfProb[field], LatentDim, 1.0);
        return u;
    }

    /// <summary>
    /// Centres each coordinate of the per-rank vectors <paramref name="x"/> (rank-major, <paramref name="dim"/> wide)
    /// to weighted mean 0 under the head probabilities and scales it to weighted sd <paramref name="sd"/>. Zero mean
    /// makes the interactions pure: averaged over one field's values they vanish, so an order-1 model cannot pick
    /// them up as main effects.
    /// </summary>
    private static void Standardize(double[] x, double[] prob, int dim, double sd)
    {
        int h = prob.Length;
        double wsum = 0;
        for (int r = 0; r < h; r++) wsum += prob[r];
        for (int d = 0; d < dim; d++)
        {
            if (h == 0) break;
            double mean = 0;
            for (int r = 0; r < h; r++) mean += prob[r] * x[r * dim + d];
            mean /= wsum;
            double var = 0;
            for (int r = 0; r < h; r++)
            {
                double c = x[r * dim + d] -= mean;
                var += prob[r] * c * c;
            }
            var /= wsum;
            double scale = var > 1e-300 ? sd / Math.Sqrt(var) : 0;
            for (int r = 0; r < h; r++) x[r * dim + d] *= scale;
        }
    }

    /// <summary>Solves mean σ(b₀ + s) = rate over a Monte-Carlo sample of rows drawn from a stream of the world seed
    /// (not the row seed), so b₀ is a property of the model, shared by every sample from it.</summary>
    private double Calibrate(double rate)
    {
        var s = new double[CalibrationRows];
        Span<int> ranks = stackalloc int[CatCount];
        Span<long> ints = stackalloc long[IntCount];
        ulong seed = SplitMix64.Hash(_worldSeed, 0xCA11B);
        for (int i = 0; i < s.Length; i++)
        {
            var rng = RowRng(seed, i);
            SampleRow(ref rng, ranks, ints);
            s[i] = LogitWithoutBase(ranks, ints);
        }
        double lo = -30, hi = 30;
        for (int it = 0; it < 60; it++)
        {
            double mid = 0.5 * (lo + hi), mean = 0;
            foreach (double v in s) mean += Sigmoid(mid + v);
            if (mean / s.Length < rate) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sigmoid(double z) => 1.0 / (1.0 + Math.Exp(-z));
}
