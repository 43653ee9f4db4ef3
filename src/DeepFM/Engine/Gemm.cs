using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
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
/// pinned, grow-only per-thread array, so steady-state calls allocate nothing.</para>
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
            if (n == 1) { Gemv(transA, transB, m, k, pa, lda, pb, ldb, pc, ldc, accumulate); return; }
            var settings = context.Gemm;
            int threads = Math.Min(context.Threads, MaxThreads);
            if (2.0 * m * n * k < settings.ParallelMinFlops) threads = 1;
            if (m == 1 && !transB && threads == 1 && settings.SingleRow && settings.Kernel.NR == 80 && Avx512F.IsSupported)
            {
                RowTimesB(settings.KcMax, k, n, pa, transA ? lda : 1, pb, ldb, pc, accumulate);
                return;
            }
            var job = t_job ??= new Job();
            job.Setup(settings, transA, transB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate);
            job.Plan(threads);
            if (threads <= 1 || job.TileItems <= 1 || !RunOnPool(context.Pool, job, threads - 1))
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

    // ---------------------------------------------------------------- configuration (internal: tests and bench)

    /// <summary>A micro-kernel and its register tile; <see cref="Rows"/>[h] (optional) computes only the first h rows.</summary>
    internal readonly struct MicroKernel(int mr, int nr, delegate*<float*, float*, nint, nint, float*, nint, int, void> fn, string name,
        delegate*<float*, float*, nint, nint, float*, nint, int, void>[]? rows = null,
        delegate*<float*, nint, float*, nint, nint, float*, nint, int, void> directA = null)
    {
        /// <summary>Optional MR×NR kernel that reads MR rows of a row-major A in place (no packing).</summary>
        public readonly delegate*<float*, nint, float*, nint, nint, float*, nint, int, void> DirectA = directA;
        public readonly int MR = mr, NR = nr;
        public readonly delegate*<float*, float*, nint, nint, float*, nint, int, void> Fn = fn;
        public readonly delegate*<float*, float*, nint, nint, float*, nint, int, void>[]? Rows = rows;
        public readonly string Name = name;
        public override string ToString() => Name;
    }

    /// <summary>The micro-kernels usable on this machine, best first.</summary>
    internal static MicroKernel[] AvailableKernels()
    {
        var list = new List<MicroKernel>();
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            list.Add(new(5, 80, &GemmKernels.K512_5x80, "avx512 5x80",
                [null, &GemmKernels.K512_1x80_a5, &GemmKernels.K512_2x80_a5, &GemmKernels.K512_3x80_a5, &GemmKernels.K512_4x80_a5],
                &GemmKernels.K512_5x80_directA));
            list.Add(new(4, 80, &GemmKernels.K512_4x80, "avx512 4x80"));
            list.Add(new(8, 48, &GemmKernels.K512_8x48, "avx512 8x48"));
        }
        if (Avx2.IsSupported && Fma.IsSupported)
            list.Add(new(6, 16, &GemmKernels.K256_6x16, "avx2+fma 6x16"));
        if (Vector128.IsHardwareAccelerated && (AdvSimd.IsSupported || Fma.IsSupported))
            list.Add(new(6, 16, &GemmKernels.K128_6x16, "vector128 fma 6x16"));
        list.Add(new(4, 4, &ScalarKernel4x4, "scalar 4x4"));
        return [.. list];
    }

    private const int MaxThreads = 64;

    /// <summary>The tiling <see cref="Multiply(ComputeContext, bool, bool, int, int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, bool)"/> would use (bench diagnostics).</summary>
    internal static string DescribePlan(GemmSettings settings, bool transA, bool transB, int m, int n, int k, int threads)
    {
        var job = new Job();
        job.Setup(settings, transA, transB, m, n, k, null, transA ? m : k, null, transB ? k : n, null, n, false);
        job.Plan(threads);
        return job.ToString();
    }

    // ---------------------------------------------------------------- scalar fallback

    /// <summary>Portable kernel for machines without vector FMA (plain multiply-add in k order, 16 scalar accumulators).</summary>
    private static void ScalarKernel4x4(float* a, float* b, nint ldb, nint kc, float* c, nint ldc, int accumulate)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (nint p = 0; p < kc; p++, a += 4, b += ldb)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        }
        Store(c, accumulate, c00, c01, c02, c03);
        Store(c + ldc, accumulate, c10, c11, c12, c13);
        Store(c + 2 * ldc, accumulate, c20, c21, c22, c23);
        Store(c + 3 * ldc, accumulate, c30, c31, c32, c33);

        static void Store(float* row, int accumulate, float x0, float x1, float x2, float x3)
        {
            if (accumulate != 0) { row[0] += x0; row[1] += x1; row[2] += x2; row[3] += x3; }
            else { row[0] = x0; row[1] = x1; row[2] = x2; row[3] = x3; }
        }
    }

    // ---------------------------------------------------------------- m == 1: one row times a row-major B

    /// <summary>One row of C = a row of op(A) (<paramref name="astep"/> apart per k) times a row-major B read in place:
    /// no packing of B (which at one row would cost as much as the product), K in the same blocks as the tiled path,
    /// so the row gets the same bits as it would in a batch.</summary>
    private static void RowTimesB(int kcLimit, int k, int n, float* a, int astep, float* b, int ldb, float* c, bool accumulate)
    {
        int nkb = (k + kcLimit - 1) / kcLimit, kcMax = (k + nkb - 1) / nkb;
        for (int kb = 0; kb < nkb; kb++)
        {
            int p0 = kb * kcMax, kc = Math.Min(kcMax, k - p0);
            GemmKernels.K512_1xN(a + (nint)p0 * astep, astep, b + (nint)p0 * ldb, ldb, kc, c, n, kb > 0 || accumulate ? 1 : 0);
        }
    }

    // ---------------------------------------------------------------- n == 1: matrix-vector

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemv(bool transA, bool transB, int m, int k, float* a, int lda, float* b, int ldb,
        float* c, int ldc, bool accumulate)
    {
        // The single column of op(B): contiguous when B is 1×k (transB) or ldb == 1.
        float* x = b;
        if (!transB && ldb != 1 && k > 1)
        {
            x = ThreadBuffer(ref t_vec, k);
            for (int p = 0; p < k; p++) x[p] = b[(nint)p * ldb];
        }
        if (!transA)
        {
            for (int i = 0; i < m; i++)
            {
                float s = Dot(a + (nint)i * lda, x, k);
                float* dst = c + (nint)i * ldc;
                *dst = accumulate ? *dst + s : s;
            }
            return;
        }
        // op(A) = Aᵀ with A stored k×m: y = Σ_p x[p] · A[p, :], summed over p in order for every element.
        float* y = ThreadBuffer(ref t_acc, m);
        new Span<float>(y, m).Clear();
        for (int p = 0; p < k; p++) Axpy(x[p], a + (nint)p * lda, y, m);
        for (int i = 0; i < m; i++)
        {
            float* dst = c + (nint)i * ldc;
            *dst = accumulate ? *dst + y[i] : y[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot(float* u, float* v, int len)
    {
        int i = 0;
        float s;
        if (Vector512.IsHardwareAccelerated && len >= 64)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= len - 64; i += 64)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(u + i), Vector512.Load(v + i), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(u + i + 16), Vector512.Load(v + i + 16), s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(u + i + 32), Vector512.Load(v + i + 32), s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(u + i + 48), Vector512.Load(v + i + 48), s3);
            }
            for (; i <= len - 16; i += 16)
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(u + i), Vector512.Load(v + i), s0);
            s = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (Vector256.IsHardwareAccelerated && len >= 32)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= len - 32; i += 32)
            {
                s0 += Vector256.Load(u + i) * Vector256.Load(v + i);
                s1 += Vector256.Load(u + i + 8) * Vector256.Load(v + i + 8);
                s2 += Vector256.Load(u + i + 16) * Vector256.Load(v + i + 16);
                s3 += Vector256.Load(u + i + 24) * Vector256.Load(v + i + 24);
            }
            s = Vector256.Sum((s0 + s1) + (s2 + s3));
        }
        else s = 0;
        for (; i < len; i++) s += u[i] * v[i];
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Axpy(float alpha, float* x, float* y, int len)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(alpha);
            for (; i <= len - 16; i += 16)
                Vector512.FusedMultiplyAdd(Vector512.Load(x + i), va, Vector512.Load(y + i)).Store(y + i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(alpha);
            for (; i <= len - 8; i += 8)
                (Vector256.Load(y + i) + Vector256.Load(x + i) * va).Store(y + i);
        }
        for (; i < len; i++) y[i] += x[i] * alpha;
    }

    // ---------------------------------------------------------------- buffers

    [ThreadStatic] private static Job? t_job;
    [ThreadStatic] private static float[]? t_apack, t_edge, t_vec, t_acc;
    [ThreadStatic] private static float[]? t_bpack, t_bblock;

    /// <summary>A 64-byte-aligned pointer into a pinned, grow-only per-thread array of at least <paramref name="len"/> floats.</summary>
    private static float* ThreadBuffer(ref float[]? buffer, long len)
    {
        if (buffer is null || buffer.LongLength < len + 16)
        {
            long size = Math.Max(len + 16, buffer is null ? 0 : Math.Min(buffer.LongLength * 3 / 2, int.MaxValue));
            buffer = GC.AllocateUninitializedArray<float>(checked((int)size), pinned: true);
        }
        nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((p + 63) & ~(nint)63);
    }

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

    // ---------------------------------------------------------------- the packed, tiled product

    /// <summary>One multiply: packing of B (phase 0) and output tiles (phase 1), both claimed by an atomic counter.</summary>
    private sealed class Job : PoolJob
    {
        private GemmSettings _s = GemmSettings.Default;
        private MicroKernel _kern;
        private float* _a, _b, _c, _bp;
        private int _m, _n, _k, _lda, _ldb, _ldc;
        private bool _transA, _transB, _accumulate;
        private int _nPanels, _kc, _nkb;           // B panels of NR columns; K blocks of _kc (last may be shorter)
        private int _mc, _colBlocks, _panelsPerBlock; // tiles: _mc rows × _panelsPerBlock panels
        private const int PackChunk = 128;          // K rows per B packing item
        private int _packChunks;
        public int PackItems, TileItems;
        public long PackFloats => (long)PackItems * PackChunk * _kern.NR;
        private int _next0, _next1;
        private bool _directB;                      // op(B) = B row-major: full panels are read in place, only the last partial one is packed
        private int _firstPacked;                   // first panel that is packed
        private bool _blockB;                       // op(B) = B and K split: each tile packs its B columns per K block

        public void Setup(GemmSettings settings, bool transA, bool transB, int m, int n, int k, float* a, int lda, float* b, int ldb,
            float* c, int ldc, bool accumulate)
        {
            _s = settings; _kern = settings.Kernel; _transA = transA; _transB = transB; _m = m; _n = n; _k = k;
            _a = a; _lda = lda; _b = b; _ldb = ldb; _c = c; _ldc = ldc; _accumulate = accumulate;
        }

        public void Plan(int threads)
        {
            int mr = _kern.MR, nr = _kern.NR;
            _nPanels = (_n + nr - 1) / nr;
            _nkb = (_k + _s.KcMax - 1) / _s.KcMax;
            _kc = (_k + _nkb - 1) / _nkb;
            _packChunks = (_k + PackChunk - 1) / PackChunk;
            // Packing B costs k·n copies; worth it (aligned loads, one stream) only when many rows reuse it.
            _directB = !_transB && _s.DirectB && _m < _s.DirectBMaxRows;
            _blockB = !_transB && _nkb > 1 && _s.PackBPerBlock;
            _firstPacked = _blockB ? _nPanels : _directB ? _n / nr : 0;
            PackItems = (_nPanels - _firstPacked) * _packChunks;
            _bp = ThreadBuffer(ref t_bpack, (long)(_nPanels - _firstPacked) * nr * _k);

            // Tiles of _mc rows × _panelsPerBlock panels. One thread: the tallest block whose packed A stays in L2
            // (_s.McTarget rows), or up to _s.McLongK rows when K is split (dW = Xᵀ·dY), since each row block re-reads all of
            // B (measured ~1.2× at 400×400×4096). Several threads: the split with the least estimated finishing time,
            // counting rounds of tiles, packing, and a little slack for a thread that gets preempted.
            int cap = Math.Max(mr, (_nkb > 1 ? _s.McLongK : _s.McTarget) / mr * mr);
            int rowBlocks = (_m + cap - 1) / cap;
            _mc = RoundUp((_m + rowBlocks - 1) / rowBlocks, mr);
            rowBlocks = (_m + _mc - 1) / _mc;
            _panelsPerBlock = _nPanels;
            _colBlocks = 1;
            if (threads > 1)
            {
                double best = double.MaxValue;
                int r0 = rowBlocks, rMax = Math.Min((_m + mr - 1) / mr, Math.Max(2 * r0, 4 * threads));
                for (int c = 1; c <= _nPanels; c++)
                {
                    int ppcb = (_nPanels + c - 1) / c;
                    if (c > 1 && (_nPanels + ppcb - 1) / ppcb != c) continue;
                    double nc = ppcb * nr;
                    for (int r = r0; r <= rMax; r++)
                    {
                        int mc = RoundUp((_m + r - 1) / r, mr);
                        if (r > r0 && (_m + mc - 1) / mc != r) continue;
                        int rounds = (r * c + threads - 1) / threads;
                        double tile = 2.0 * mc * nc * _k + PackCost * (mc + nc) * _k;
                        double cost = rounds * tile + _s.Slack * tile;
                        if (cost < best * 0.999)
                        {
                            best = cost; _mc = mc; rowBlocks = r; _panelsPerBlock = ppcb; _colBlocks = c;
                        }
                    }
                }
            }
            TileItems = rowBlocks * _colBlocks;
            _next0 = 0; _next1 = 0;
        }

        public void Clear() { _a = _b = _c = _bp = null; }

        public override string ToString() =>
            $"{TileItems} tiles of {_mc} rows × {_panelsPerBlock * _kern.NR} cols ({_colBlocks} column blocks), K in {_nkb} blocks of {_kc}";

        private static int RoundUp(int x, int to) => (x + to - 1) / to * to;

        /// <summary>Flop-equivalent cost of packing one element (a scalar copy ≈ one cycle ≈ 32 flops at peak).</summary>
        private const double PackCost = 32;

        /// <summary>Which phase <see cref="RunShare"/> works on: 0 packs B, 1 computes tiles.</summary>
        public int Phase;

        public override void RunShare(int worker, int workers) => RunPhase(Phase);

        public void RunPhase(int phase)
        {
            int i;
            if (phase == 0)
                while ((i = Interlocked.Increment(ref _next0) - 1) < PackItems) PackB(i);
            else
                while ((i = Interlocked.Increment(ref _next1) - 1) < TileItems) Tile(i);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void PackB(int item)
        {
            int nr = _kern.NR;
            int panel = _firstPacked + item / _packChunks, chunk = item % _packChunks;
            int p0 = chunk * PackChunk, p1 = Math.Min(_k, p0 + PackChunk);
            int j0 = panel * nr, w = Math.Min(nr, _n - j0);
            float* dst = _bp + ((long)(panel - _firstPacked) * _k + p0) * nr;
            if (!_transB)
            {
                for (int p = p0; p < p1; p++, dst += nr)
                {
                    float* src = _b + (long)p * _ldb + j0;
                    int j = 0;
                    if (Vector512.IsHardwareAccelerated)
                        for (; j <= w - 16; j += 16) Vector512.Load(src + j).Store(dst + j);
                    for (; j < w; j++) dst[j] = src[j];
                    for (; j < nr; j++) dst[j] = 0;
                }
            }
            else
            {
                for (int j = 0; j < nr; j++)
                {
                    float* d = dst + j;
                    if (j < w)
                    {
                        float* src = _b + (long)(j0 + j) * _ldb;
                        for (int p = p0; p < p1; p++, d += nr) *d = src[p];
                    }
                    else
                    {
                        for (int p = p0; p < p1; p++, d += nr) *d = 0;
                    }
                }
            }
        }

        /// <summary>Panels pan0..pan1 of B rows p0..p0+kc (B row-major), read row by row.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void PackBBlock(float* dst, int pan0, int pan1, int p0, int kc)
        {
            int nr = _kern.NR;
            for (int p = 0; p < kc; p++)
            {
                float* src = _b + (long)(p0 + p) * _ldb;
                for (int jp = pan0; jp < pan1; jp++)
                {
                    int j0 = jp * nr, w = Math.Min(nr, _n - j0);
                    float* d = dst + ((long)(jp - pan0) * kc + p) * nr;
                    float* s = src + j0;
                    int j = 0;
                    if (Vector512.IsHardwareAccelerated)
                        for (; j <= w - 16; j += 16) Vector512.Load(s + j).Store(d + j);
                    for (; j < w; j++) d[j] = s[j];
                    for (; j < nr; j++) d[j] = 0;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void PackA(float* ap, int i0, int rows, int p0, int kc)
        {
            int mr = _kern.MR;
            int full = rows / mr * mr;
            if (_transA)
            {
                // A stored k×m: walk its rows (contiguous over i) and scatter MR-wide pieces into the panels.
                for (int p = 0; p < kc; p++)
                {
                    float* src = _a + (long)(p0 + p) * _lda + i0;
                    float* d = ap + p * mr;
                    int r0 = 0;
                    if (mr == 5 && Vector128.IsHardwareAccelerated)
                    {
                        for (; r0 < full; r0 += 5, d += 5L * kc)
                        {
                            Vector128.Load(src + r0).Store(d);
                            d[4] = src[r0 + 4];
                        }
                    }
                    else if (mr == 4 && Vector128.IsHardwareAccelerated)
                    {
                        for (; r0 < full; r0 += 4, d += 4L * kc) Vector128.Load(src + r0).Store(d);
                    }
                    for (; r0 < full; r0 += mr, d += (long)mr * kc)
                        for (int r = 0; r < mr; r++) d[r] = src[r0 + r];
                    if (r0 < rows)
                        for (int r = 0; r < mr; r++) d[r] = r0 + r < rows ? src[r0 + r] : 0;
                }
                return;
            }
            for (int r0 = 0; r0 < rows; r0 += mr, ap += mr * kc)
            {
                int h = Math.Min(mr, rows - r0);
                float* s0 = _a + (long)(i0 + r0) * _lda + p0;
                if (h == 5 && mr == 5 && _s.FastPackA)
                {
                    // k-major walk over five row streams: sequential stores, five loads each step.
                    float* s1 = s0 + _lda, s2 = s1 + _lda, s3 = s2 + _lda, s4 = s3 + _lda;
                    float* d = ap;
                    for (int p = 0; p < kc; p++, d += 5)
                    {
                        d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p]; d[4] = s4[p];
                    }
                    continue;
                }
                if (h == 4 && mr == 4 && _s.FastPackA)
                {
                    float* s1 = s0 + _lda, s2 = s1 + _lda, s3 = s2 + _lda;
                    float* d = ap;
                    for (int p = 0; p < kc; p++, d += 4)
                    {
                        d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p];
                    }
                    continue;
                }
                for (int r = 0; r < mr; r++)
                {
                    float* d = ap + r;
                    if (r < h)
                    {
                        float* src = _a + (long)(i0 + r0 + r) * _lda + p0;
                        for (int p = 0; p < kc; p++, d += mr) *d = src[p];
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++, d += mr) *d = 0;
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Tile(int item)
        {
            int mr = _kern.MR, nr = _kern.NR;
            var fn = _kern.Fn;
            var rowFns = _kern.Rows;
            var directA = !_transA && _s.UseDirectA ? _kern.DirectA : null;
            int rb = item / _colBlocks, cb = item % _colBlocks;
            int i0 = rb * _mc, rows = Math.Min(_mc, _m - i0);
            int pan0 = cb * _panelsPerBlock, pan1 = Math.Min(_nPanels, pan0 + _panelsPerBlock);
            float* apack = ThreadBuffer(ref t_apack, (long)_mc * _kc);
            float* edge = ThreadBuffer(ref t_edge, mr * nr);
            float* bblock = _blockB ? ThreadBuffer(ref t_bblock, (long)(pan1 - pan0) * nr * _kc) : null;
            for (int kb = 0; kb < _nkb; kb++)
            {
                int p0 = kb * _kc, kc = Math.Min(_kc, _k - p0);
                // Row-major A with a direct kernel: full row panels are read in place; only the last partial one is packed.
                int fullRows = directA != null ? rows / mr * mr : 0;
                if (fullRows < rows) PackA(apack + (long)fullRows * kc, i0 + fullRows, rows - fullRows, p0, kc);
                int acc = kb > 0 || _accumulate ? 1 : 0;
                if (_blockB) PackBBlock(bblock, pan0, pan1, p0, kc);
                // Panels of B outer (the B panel stays in L1/L2 while the packed A block streams past), or, when K
                // is split and A blocks are tall, rows outer (the small A panel stays in L1, the B block in L2).
                int panels = pan1 - pan0, rowPanels = (rows + mr - 1) / mr;
                bool rowsOuter = (_nkb > 1 && _s.RowsOuterWhenSplitK) || directA != null;
                int outer = rowsOuter ? rowPanels : panels, inner = rowsOuter ? panels : rowPanels;
                for (int o = 0; o < outer; o++)
                {
                    for (int q = 0; q < inner; q++)
                    {
                        int jp = pan0 + (rowsOuter ? q : o), r0 = (rowsOuter ? o : q) * mr;
                        int j0 = jp * nr, w = Math.Min(nr, _n - j0);
                        bool packed = jp >= _firstPacked;
                        float* bp = _blockB ? bblock + (long)(jp - pan0) * kc * nr
                            : packed ? _bp + ((long)(jp - _firstPacked) * _k + p0) * nr : _b + (long)p0 * _ldb + j0;
                        nint ldbp = packed || _blockB ? nr : _ldb;
                        int h = Math.Min(mr, rows - r0);
                        float* ap = apack + (long)r0 * kc;
                        float* cp = _c + (long)(i0 + r0) * _ldc + j0;
                        if (r0 < fullRows)
                        {
                            float* asrc = _a + (long)(i0 + r0) * _lda + p0;
                            if (w == nr) directA(asrc, _lda, bp, ldbp, kc, cp, _ldc, acc);
                            else
                            {
                                directA(asrc, _lda, bp, ldbp, kc, edge, nr, 0);
                                for (int r = 0; r < h; r++)
                                {
                                    float* d = cp + (long)r * _ldc;
                                    float* e = edge + r * nr;
                                    if (acc != 0) for (int j = 0; j < w; j++) d[j] += e[j];
                                    else for (int j = 0; j < w; j++) d[j] = e[j];
                                }
                            }
                        }
                        else if (h == mr && w == nr)
                        {
                            fn(ap, bp, ldbp, kc, cp, _ldc, acc);
                        }
                        else if (w == nr && rowFns is not null)
                        {
                            rowFns[h](ap, bp, ldbp, kc, cp, _ldc, acc);
                        }
                        else
                        {
                            fn(ap, bp, ldbp, kc, edge, nr, 0);
                            for (int r = 0; r < h; r++)
                            {
                                float* d = cp + (long)r * _ldc;
                                float* e = edge + r * nr;
                                if (acc != 0) for (int j = 0; j < w; j++) d[j] += e[j];
                                else for (int j = 0; j < w; j++) d[j] = e[j];
                            }
                        }
                    }
                }
            }
        }
    }

    private const long SmallPack = 1 << 18;

    /// <summary>Runs both phases on the pool (false when it is busy: the caller then runs them inline).</summary>
    private static bool RunOnPool(WorkerPool pool, Job job, int helpers)
    {
        // Packing a small B is quicker than waking the helpers twice.
        if (job.PackItems > 0)
        {
            job.Phase = 0;
            int packHelpers = job.PackFloats <= SmallPack ? 0 : Math.Min(helpers, job.PackItems - 1);
            if (!pool.TryRun(job, packHelpers)) return false;
        }
        job.Phase = 1;
        if (!pool.TryRun(job, Math.Min(helpers, job.TileItems - 1)))
        {
            job.RunPhase(1);
        }
        return true;
    }
}
