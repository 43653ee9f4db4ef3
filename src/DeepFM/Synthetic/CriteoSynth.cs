using System.Diagnostics;
using DeepFM.Engine;

namespace DeepFM.Synthetic;

/// <summary>
/// Deterministic generator of Criteo-format click logs with a known true click probability per row, so the best
/// achievable AUC and log loss of a data set are known.
/// </summary>
/// <remarks>
/// <para>Each line is <c>label \t I1..I13 \t C1..C26</c> with LF line ends: a 0/1 label, 13 non-negative integers and
/// 26 categorical tokens of 8 lowercase hex digits; a missing field is empty. The optional truth file has one line per
/// row, the row's true probability as <c>0.dddddd</c>.</para>
/// <para>Generative model (docs/synth.md has the details). Categorical field C<sub>j</sub> (j = 1..26) has cardinality
/// n<sub>j</sub> = round(10^(1 + 5(j−1)/25)) (10 … 10⁶, capped by <see cref="SynthOptions.MaxCardinality"/>), values of
/// Zipf rank r with P(r) ∝ r^−s (s = <see cref="SynthOptions.ZipfExponent"/>, 1.15), a fixed missing rate (0–40%),
/// and token fmix32(r ⊕ salt<sub>j</sub>). Integer field I<sub>i</sub> = ⌊exp(μ<sub>i</sub> + σ<sub>i</sub> z)⌋ with
/// z partly driven by one categorical field's value, missing at 5–40%. The planted logit is</para>
/// <para>logit = b₀ + Σ<sub>j</sub> e<sub>j</sub>(x<sub>j</sub>)
/// + λ·0.26/√2 · Σ<sub>groups</sub> Σ<sub>a&lt;b in group</sub> ⟨u<sub>a</sub>(x<sub>a</sub>), u<sub>b</sub>(x<sub>b</sub>)⟩
/// + λ·0.22/√2 · Σ<sub>triples</sub> Σ<sub>d</sub> u<sub>a,d</sub> u<sub>b,d</sub> u<sub>c,d</sub>
/// + Σ<sub>i ∈ {5,7,11}</sub> β<sub>i</sub>(⌊log₂(1 + I<sub>i</sub>)⌋ − m<sub>i</sub>),</para>
/// <para>where e and u are zero for values outside the field's head (its <see cref="SynthOptions.HeadSize"/> most
/// frequent values) and for missing values; on the head, e ~ N(0, 1) and the 2-dimensional u ~ N(0, I) are centred
/// and scaled under the field's value distribution (e to sd σ₁ = <see cref="SynthOptions.MainEffectScale"/>, u to
/// unit variance per coordinate), which makes the interactions pure (zero mean over any one field). Groups
/// {C2, C5, C8, C11} and {C3, C6, C10} give 9 interacting pairs, exactly an FM of rank 2 per group; triples are
/// {C1, C4, C9} and {C3, C7, C12}; β₅ = 0.10, β₇ = −0.15, β₁₁ = 0.20 per log₂ bucket. b₀ is solved by bisection so that
/// the mean probability over 50,000 Monte-Carlo rows of the world seed is <see cref="SynthOptions.BaseRate"/>.
/// label ~ Bernoulli(σ(logit)).</para>
/// <para>Row i's randomness comes from its own SplitMix64 stream seeded by (seed, i), so output is byte-identical
/// for a given seed and options whatever the thread count. Blocks of rows are formatted in parallel into reused byte
/// buffers and written in order.</para>
/// </remarks>
public static class CriteoSynth
{
    /// <summary>Number of integer fields (I1..I13).</summary>
    public const int IntegerFieldCount = SynthWorld.IntCount;

    /// <summary>Number of categorical fields (C1..C26).</summary>
    public const int CategoricalFieldCount = SynthWorld.CatCount;

    private const int BlockRows = 4096;
    // label, 39 tabs, 13 integers of at most 10 digits, 26 tokens of 8 digits, LF.
    private const int MaxRowBytes = 1 + 39 + 13 * 10 + 26 * 8 + 1;
    private const int TruthLineBytes = 9; // "0.dddddd\n"

    /// <summary>
    /// Generates <see cref="SynthOptions.Rows"/> rows into <paramref name="dataPath"/> and, when
    /// <paramref name="truthPath"/> is given, their true probabilities into it. Each file is written to a temporary
    /// file beside it and renamed into place, so neither path ever holds a partial file.
    /// </summary>
    public static SynthSummary Generate(SynthOptions options, string dataPath, string? truthPath)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(dataPath);
        if (truthPath is not null && Path.GetFullPath(truthPath) == Path.GetFullPath(dataPath))
            throw new ArgumentException("The truth file must differ from the data file.", nameof(truthPath));
        options.Validate();

        string dataTmp = TempBeside(dataPath);
        string? truthTmp = truthPath is null ? null : TempBeside(truthPath);
        try
        {
            SynthSummary summary;
            using (var data = OpenNew(dataTmp))
            using (var truth = truthTmp is null ? null : OpenNew(truthTmp))
            {
                summary = Generate(options, data, truth);
            }
            File.Move(dataTmp, dataPath, overwrite: true);
            if (truthTmp is not null) File.Move(truthTmp, truthPath!, overwrite: true);
            return summary;
        }
        finally
        {
            TryDelete(dataTmp);
            if (truthTmp is not null) TryDelete(truthTmp);
        }
    }

    /// <summary>
    /// Generates <see cref="SynthOptions.Rows"/> rows into <paramref name="data"/> and, when given, their true
    /// probabilities into <paramref name="truth"/>. The streams are written sequentially and left open.
    /// </summary>
    public static SynthSummary Generate(SynthOptions options, Stream data, Stream? truth)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        var clock = Stopwatch.StartNew();
        var world = new SynthWorld(options);
        int threads = options.MaxThreads > 0 ? options.MaxThreads : Environment.ProcessorCount;
        long rows = options.Rows;
        long blockCount = (rows + BlockRows - 1) / BlockRows;
        int wave = (int)Math.Min(blockCount, threads * 2L);
        var blocks = new Block[Math.Max(wave, 1)];
        for (int i = 0; i < blocks.Length; i++) blocks[i] = new Block(truth is not null);

        long positives = 0;
        double sumP = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        for (long first = 0; first < blockCount; first += wave)
        {
            int n = (int)Math.Min(wave, blockCount - first);
            long firstBlock = first;
            if (threads == 1 || n == 1)
            {
                for (int i = 0; i < n; i++) Fill(world, options.Seed, firstBlock + i, rows, blocks[i]);
            }
            else
            {
                Parallel.For(0, n, parallel, i => Fill(world, options.Seed, firstBlock + i, rows, blocks[i]));
            }
            // Totals are accumulated block by block in row order, so they too do not depend on the thread count.
            for (int i = 0; i < n; i++)
            {
                Block b = blocks[i];
                data.Write(b.Data, 0, b.DataLength);
                truth?.Write(b.Truth!, 0, b.TruthLength);
                positives += b.Positives;
                sumP += b.SumP;
            }
        }
        data.Flush();
        truth?.Flush();
        return new SynthSummary(rows, positives, rows == 0 ? 0 : sumP / rows, world.BaseLogit, clock.Elapsed);
    }

    private sealed class Block(bool withTruth)
    {
        public readonly byte[] Data = new byte[BlockRows * MaxRowBytes];
        public readonly byte[]? Truth = withTruth ? new byte[BlockRows * TruthLineBytes] : null;
        public readonly int[] Ranks = new int[SynthWorld.CatCount];
        public readonly long[] Ints = new long[SynthWorld.IntCount];
        public int DataLength;
        public int TruthLength;
        public long Positives;
        public double SumP;
    }

    private static void Fill(SynthWorld world, ulong seed, long blockIndex, long totalRows, Block b)
    {
        long start = blockIndex * BlockRows;
        int count = (int)Math.Min(BlockRows, totalRows - start);
        byte[] d = b.Data;
        byte[]? t = b.Truth;
        int pos = 0, tpos = 0;
        long positives = 0;
        double sumP = 0;
        Span<int> ranks = b.Ranks;
        Span<long> ints = b.Ints;
        for (int k = 0; k < count; k++)
        {
            var rng = world.RowRng(seed, start + k);
            world.SampleRow(ref rng, ranks, ints);
            double p = SynthWorld.Sigmoid(world.Logit(ranks, ints));
            bool click = rng.NextDouble() < p;
            positives += click ? 1 : 0;
            sumP += p;

            d[pos++] = click ? (byte)'1' : (byte)'0';
            for (int i = 0; i < SynthWorld.IntCount; i++)
            {
                d[pos++] = (byte)'\t';
                if (ints[i] >= 0) pos = WriteDecimal(d, pos, ints[i]);
            }
            for (int f = 0; f < SynthWorld.CatCount; f++)
            {
                d[pos++] = (byte)'\t';
                if (ranks[f] >= 0) pos = WriteHex8(d, pos, world.Token(f, ranks[f]));
            }
            d[pos++] = (byte)'\n';

            if (t is not null) tpos = WriteProbability(t, tpos, p);
        }
        b.DataLength = pos;
        b.TruthLength = tpos;
        b.Positives = positives;
        b.SumP = sumP;
    }

    private static int WriteDecimal(byte[] buf, int pos, long value)
    {
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) digits++;
        int end = pos + digits;
        for (int i = end - 1; i >= pos; i--)
        {
            buf[i] = (byte)('0' + (int)(value % 10));
            value /= 10;
        }
        return end;
    }

    private static int WriteHex8(byte[] buf, int pos, uint value)
    {
        for (int i = 7; i >= 0; i--)
        {
            uint nib = value & 0xF;
            buf[pos + i] = (byte)(nib < 10 ? '0' + nib : 'a' + nib - 10);
            value >>= 4;
        }
        return pos + 8;
    }

    /// <summary>Writes p with six decimals (round half to even on p·10⁶), like printf's "%.6f".</summary>
    private static int WriteProbability(byte[] buf, int pos, double p)
    {
        int micro = (int)Math.Round(p * 1_000_000);
        if (micro >= 1_000_000)
        {
            "1.000000\n"u8.CopyTo(buf.AsSpan(pos));
            return pos + TruthLineBytes;
        }
        buf[pos] = (byte)'0';
        buf[pos + 1] = (byte)'.';
        for (int i = 7; i >= 2; i--)
        {
            buf[pos + i] = (byte)('0' + micro % 10);
            micro /= 10;
        }
        buf[pos + 8] = (byte)'\n';
        return pos + TruthLineBytes;
    }

    private static string TempBeside(string path)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
    }

    private static FileStream OpenNew(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);

    private static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
