using System.Runtime.Intrinsics.X86;

namespace DeepFM.Engine;

/// <summary>Single-precision matrix multiply on row-major spans.</summary>
/// <remarks>
/// <para>The fast path is a packed, register-blocked GEMM. C is cut into tiles of <c>mc</c> rows × a few
/// <c>NR</c>-column panels; each tile reads full row panels of a row-major A in place (5×80 kernel; measured 5–12%
/// faster than packing) or else packs its rows of op(A) into <c>MR</c>-row panels (k-major, per thread), and runs a
/// call-free micro-kernel (<see cref="GemmKernels"/>: AVX-512 5×80 = 25 zmm accumulators, AVX2 6×16, Vector128 6×16,
/// scalar 4×4) over every MR×NR block. op(B) is packed once into NR-column panels and shared by the threads when it is
/// Bᵀ or many rows reuse it; a row-major B is read in place for few rows, and packed per K block inside each tile when
/// K is split. Bottom-edge rows use 1–4-row kernels; right-edge columns go through a small scratch tile. n = 1 is a
/// matrix-vector product (memory-bound: A is read once). m = 1 with a row-major B (single-row scoring, X·W) on one thread
/// skips the tiling altogether: <see cref="GemmKernels.K512_1xN"/> streams B's rows in place, 4–8 vectors of columns
/// per pass, so nothing is packed per call.</para>
/// <para>Measured and not adopted (medians of paired ratios, CPU time, one core): reading op(A) = Aᵀ in place for
/// TN (5 contiguous values per k step, lda apart) instead of packing it: 0.91–0.93× at m = 390, 1.0× at 400;
/// K blocks of 456 or 512 for K = 4096 instead of 373: 0.96–1.0×; B panels outer when K is split: 1.0×; a 4-row dot
/// for n = 1: 0.99× (bound by reading A from L3); prefetching the next directly-read A panel into L2: 1.0×.</para>
/// <para>Determinism: K is split into equal blocks of at most <see cref="GemmSettings.KcMax"/> that depend only on k, and threads
/// only share out output tiles, so every element of C is the same chain of fused multiply-adds (per K block, from
/// zero, then stored or added to C) whatever the context's thread count and the tiling are: results are
/// bitwise identical for any thread count. Threads come from the shared <see cref="WorkerPool"/> and every buffer is a
/// pinned, grow-only per-thread array (<see cref="GemmBuffers"/>), so steady-state calls allocate nothing.</para>
/// <para>Where the parts live: this class checks the arguments and picks the path; <see cref="Gemv"/> is n = 1,
/// <see cref="GemmSingleRow"/> m = 1; otherwise <see cref="GemmPlan"/> chooses the tiling, <see cref="GemmJob"/> runs
/// it (B packing, then tiles) with <see cref="GemmPacking"/>'s packers and the <see cref="MicroKernel"/> of the
/// context's <see cref="GemmSettings"/>.</para>
/// </remarks>
public static unsafe class Gemm
{
    /// <summary>
    /// <c>C[m×n] = op(A)[m×k] · op(B)[k×n]</c>, or <c>C += …</c> when <paramref name="accumulate"/> is set.
    /// <c>op(A)</c> is A, stored <c>m×k</c> with row stride <paramref name="lda"/>, or Aᵀ when <paramref name="transA"/>
    /// (A stored <c>k×m</c>); likewise for B (<c>k×n</c>, or <c>n×k</c> when <paramref name="transB"/>).
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate) =>
        Multiply(ComputeContext.Default, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);

    /// <summary>As <see cref="Multiply(bool, bool, int, int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, bool)"/>,
    /// on the threads and with the kernel settings of <paramref name="context"/>.</summary>
    public static void Multiply(ComputeContext context, bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            if (n == 1) { Gemv.Multiply(transA, transB, m, k, pa, lda, pb, ldb, pc, ldc, accumulate); return; }
            var settings = context.Gemm;
            int threads = Math.Min(context.Threads, MaxThreads);
            if (2.0 * m * n * k < settings.ParallelMinFlops) threads = 1;
            if (m == 1 && !transB && threads == 1 && settings.SingleRow && settings.Kernel.NR == 80 && Avx512F.IsSupported)
            {
                GemmSingleRow.Multiply(settings.KcMax, k, n, pa, transA ? lda : 1, pb, ldb, pc, accumulate);
                return;
            }
            var job = t_job ??= new GemmJob();
            job.Setup(settings, transA, transB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate, threads);
            if (threads <= 1 || job.TileItems <= 1 || !job.RunOnPool(context.Pool, threads - 1))
            {
                job.RunPhase(0);
                job.RunPhase(1);
            }
            job.Clear();
        }
    }

    /// <summary>Plain scalar reference the fast kernels are tested against.</summary>
    public static void MultiplyReference(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float s = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    s += av * bv;
                }
                c[i * ldc + j] = accumulate ? c[i * ldc + j] + s : s;
            }
        }
    }

    private const int MaxThreads = 64;

    /// <summary>The calling thread's job object, reused call after call so that a call allocates nothing.</summary>
    [ThreadStatic] private static GemmJob? t_job;

    private static void Validate(bool transA, bool transB, int m, int n, int k, int aLen, int lda, int bLen, int ldb, int cLen, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), "Dimensions must be non-negative.");
        if (ldc < n || (transA ? lda < m : lda < k) || (transB ? ldb < k : ldb < n))
            throw new ArgumentException("A leading dimension is smaller than the row width.");
        if (m > 0 && n > 0 && (long)(m - 1) * ldc + n > cLen) throw new ArgumentException("C is too short.", "c");
        if (m > 0 && n > 0 && k > 0)
        {
            long needA = transA ? (long)(k - 1) * lda + m : (long)(m - 1) * lda + k;
            long needB = transB ? (long)(n - 1) * ldb + k : (long)(k - 1) * ldb + n;
            if (needA > aLen) throw new ArgumentException("A is too short.", "a");
            if (needB > bLen) throw new ArgumentException("B is too short.", "b");
        }
    }
}
