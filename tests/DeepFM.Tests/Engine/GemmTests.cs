using DeepFM.Engine;

namespace DeepFM.Tests.Engine;

public class GemmTests
{
    private static float[] Random(Random rng, int len)
    {
        var x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private sealed class Case
    {
        public readonly bool TA, TB;
        public readonly int M, N, K, Lda, Ldb, Ldc;
        public readonly float[] A, B, C0;

        public Case(Random rng, bool ta, bool tb, int m, int n, int k, int pad)
        {
            TA = ta; TB = tb; M = m; N = n; K = k;
            int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
            Lda = aCols + pad; Ldb = bCols + pad; Ldc = n + pad;
            A = Random(rng, Math.Max(0, (aRows - 1) * Lda + aCols));
            B = Random(rng, Math.Max(0, (bRows - 1) * Ldb + bCols));
            C0 = Random(rng, Math.Max(0, (m - 1) * Ldc + n) + pad);
        }

        public float[] Run(bool accumulate, bool reference = false, ComputeContext? context = null)
        {
            var c = (float[])C0.Clone();
            if (reference) Gemm.MultiplyReference(TA, TB, M, N, K, A, Lda, B, Ldb, c, Ldc, accumulate);
            else Gemm.Multiply(context ?? ComputeContext.Default, TA, TB, M, N, K, A, Lda, B, Ldb, c, Ldc, accumulate);
            return c;
        }

        /// <summary>Σ_p |a_ip|·|b_pj|: the scale of the rounding error of element (i, j).</summary>
        public double AbsSum(int i, int j)
        {
            double s = 0;
            for (int p = 0; p < K; p++)
                s += Math.Abs(TA ? A[p * Lda + i] : A[i * Lda + p]) * Math.Abs(TB ? B[j * Ldb + p] : B[p * Ldb + j]);
            return s;
        }

        public void Check(bool accumulate, ComputeContext? context = null)
        {
            var expected = Run(accumulate, reference: true);
            var actual = Run(accumulate, context: context);
            for (int idx = 0; idx < actual.Length; idx++)
            {
                int i = idx / Ldc, j = idx % Ldc;
                if (i >= M || j >= N)
                {
                    Assert.True(C0[idx] == actual[idx], $"wrote outside C at {idx} ({this})");
                    continue;
                }
                double tol = 1e-4 * (1 + AbsSum(i, j) + (accumulate ? Math.Abs(C0[idx]) : 0));
                Assert.True(Math.Abs(expected[idx] - actual[idx]) <= tol,
                    $"({i},{j}) expected {expected[idx]} got {actual[idx]} ({this}, accumulate={accumulate})");
            }
        }

        public override string ToString() => $"{(TA ? 'T' : 'N')}{(TB ? 'T' : 'N')} m={M} n={N} k={K} lda={Lda} ldb={Ldb} ldc={Ldc}";
    }

    public static TheoryData<bool, bool> Transposes => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    [Theory]
    [MemberData(nameof(Transposes))]
    public void MatchesReferenceOnOddShapes(bool ta, bool tb)
    {
        int[] sizes = [1, 2, 3, 4, 7, 15, 16, 17, 33, 80, 81];
        var rng = new Random(ta ? (tb ? 4 : 3) : (tb ? 2 : 1));
        foreach (int m in sizes)
        foreach (int n in sizes)
        {
            int k = sizes[rng.Next(sizes.Length)];
            int pad = rng.Next(3) == 0 ? 0 : rng.Next(1, 5);
            var c = new Case(rng, ta, tb, m, n, k, pad);
            c.Check(accumulate: rng.Next(2) == 0);
        }
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void MatchesReferenceOnLayerShapes(bool ta, bool tb)
    {
        var rng = new Random(7);
        (int m, int n, int k)[] shapes = [(390, 17, 400), (33, 400, 390), (81, 390, 33), (7, 81, 820), (400, 3, 81), (2, 390, 400)];
        foreach (var (m, n, k) in shapes)
        {
            var c = new Case(rng, ta, tb, m, n, k, pad: 3);
            c.Check(accumulate: false);
            c.Check(accumulate: true);
        }
    }

    [Fact]
    public void MatchesReferenceOnLinearLayerCalls()
    {
        // The three calls of a Linear layer (W stored in×out), batch 1024, 390 → 200, as on two threads.
        var rng = new Random(17);
        var two = ComputeContext.Default.WithThreads(2);
        new Case(rng, false, false, 1024, 200, 390, pad: 0).Check(accumulate: true, two);   // Y += X·W
        new Case(rng, true, false, 390, 200, 1024, pad: 0).Check(accumulate: true, two);    // dW += Xᵀ·dY
        new Case(rng, false, true, 1024, 390, 200, pad: 0).Check(accumulate: false, two);   // dX = dY·Wᵀ
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void KZeroClearsOrKeepsC(bool accumulate, bool transA)
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        Gemm.Multiply(transA, false, 2, 3, 0, [], 2, [], 3, c, 3, accumulate);
        Assert.Equal(accumulate ? new float[] { 1, 2, 3, 4, 5, 6 } : new float[6], c);
    }

    [Fact]
    public void OneByOneByOne()
    {
        var c = new float[] { 10 };
        Gemm.Multiply(false, false, 1, 1, 1, [3], 1, [4], 1, c, 1, false);
        Assert.Equal(12f, c[0]);
        Gemm.Multiply(true, true, 1, 1, 1, [3], 1, [4], 1, c, 1, true);
        Assert.Equal(24f, c[0]);
    }

    [Fact]
    public void ResultsAreBitwiseIdenticalForOneAndTwoThreads()
    {
        var rng = new Random(11);
        foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
        {
            foreach (var (m, n, k) in new[] { (300, 170, 400), (97, 390, 900), (1, 400, 390), (64, 400, 400) })
            {
                var c = new Case(rng, ta, tb, m, n, k, pad: 1);
                var one = c.Run(accumulate: true, context: ComputeContext.Serial);
                var two = c.Run(accumulate: true, context: ComputeContext.Default.WithThreads(2));
                Assert.True(one.AsSpan().SequenceEqual(two), $"thread count changed the result ({c})");
            }
        }
    }

    [Fact]
    public void ConcurrentCallersGetTheSameResults()
    {
        var rng = new Random(13);
        {
            var cases = new[] { new Case(rng, false, false, 200, 170, 300, 1), new Case(rng, true, false, 90, 160, 700, 0), new Case(rng, false, true, 150, 81, 200, 2) };
            var expected = cases.Select(c => c.Run(accumulate: false)).ToArray();
            string? failure = null;
            var threads = Enumerable.Range(0, 3).Select(t => new Thread(() =>
            {
                for (int rep = 0; rep < 4; rep++)
                {
                    var c = cases[(t + rep) % cases.Length];
                    var got = c.Run(accumulate: false);
                    if (!got.AsSpan().SequenceEqual(expected[(t + rep) % cases.Length])) failure = $"mismatch ({c})";
                }
            })).ToArray();
            foreach (var th in threads) th.Start();
            foreach (var th in threads) th.Join();
            Assert.Null(failure);
        }
    }

    [Fact]
    public void SteadyStateAllocatesNothing()
    {
        var rng = new Random(5);
        {
            foreach (int threads in new[] { 1, 2 })
            {
                var context = ComputeContext.Default.WithThreads(threads);
                foreach (var (ta, tb, m, n, k) in new[] { (false, false, 256, 200, 300), (true, false, 100, 90, 900), (false, true, 120, 400, 700), (false, true, 33, 1, 70), (true, false, 50, 1, 40), (false, false, 1, 400, 390) })
                {
                    var c = new Case(rng, ta, tb, m, n, k, pad: 0);
                    var outC = (float[])c.C0.Clone();
                    for (int i = 0; i < 3; i++) Gemm.Multiply(context, ta, tb, m, n, k, c.A, c.Lda, c.B, c.Ldb, outC, c.Ldc, false);
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    for (int i = 0; i < 5; i++) Gemm.Multiply(context, ta, tb, m, n, k, c.A, c.Lda, c.B, c.Ldb, outC, c.Ldc, i > 0);
                    long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    Assert.True(allocated == 0, $"{allocated} bytes allocated ({c}, threads={threads})");
                }
            }
        }
    }

    [Fact]
    public void EveryKernelMatchesReference()
    {
        var rng = new Random(3);
        foreach (var kernel in MicroKernel.Available())
        {
            var context = ComputeContext.Default.WithGemm(GemmSettings.Default with { Kernel = kernel });
            foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
            {
                new Case(rng, ta, tb, 37, 85, 19, pad: 2).Check(accumulate: true, context);
                new Case(rng, ta, tb, 15, 33, 401, pad: 0).Check(accumulate: false, context);
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SingleRowMatchesReferenceAndTheSameRowInABatch(bool ta)
    {
        // m = 1 reads B in place (column blocks of 1–8 vectors and a scalar tail); K over KcMax is split in blocks.
        var rng = new Random(ta ? 23 : 19);
        foreach (int n in new[] { 2, 15, 16, 17, 47, 80, 129, 255, 390, 400, 401, 415 })
        foreach (int k in new[] { 1, 7, 390, 900 })
        {
            var one = new Case(rng, ta, false, 1, n, k, pad: rng.Next(3));
            one.Check(accumulate: false);
            one.Check(accumulate: true);

            // The same row as row 3 of a 7-row product through the tiled kernels: bitwise the same.
            int lda = ta ? 7 : k;
            var a = new float[ta ? (k - 1) * lda + 7 : 6 * lda + k];
            for (int p = 0; p < k; p++) a[ta ? p * lda + 3 : 3 * lda + p] = one.A[ta ? p * one.Lda : p];
            var batch = new float[7 * n];
            Gemm.Multiply(ta, false, 7, n, k, a, lda, one.B, one.Ldb, batch, n, false);
            var row = new float[n];
            Gemm.Multiply(ta, false, 1, n, k, one.A, one.Lda, one.B, one.Ldb, row, n, false);
            Assert.True(row.AsSpan().SequenceEqual(batch.AsSpan(3 * n, n)), $"single row differs from the batch row (n={n}, k={k})");
        }
    }

    [Fact]
    public void RejectsShortBuffers()
    {
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 2, new float[3], 2, new float[4], 2, new float[4], 2, false));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 2, new float[4], 2, new float[4], 2, new float[3], 2, false));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, true, 2, 2, 2, new float[4], 1, new float[4], 2, new float[4], 2, false));
    }
}
