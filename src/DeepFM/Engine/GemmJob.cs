using System.Runtime.CompilerServices;

namespace DeepFM.Engine;

/// <summary>One tiled multiply as pool work: packing of B (phase 0) and output tiles (phase 1), each phase's items
/// claimed by an atomic counter. Cut up by its <see cref="GemmPlan"/>; one reusable object per calling thread.</summary>
internal sealed unsafe class GemmJob : PoolJob
{
    [ThreadStatic] private static float[]? t_apack, t_edge, t_bpack, t_bblock;

    /// <summary>B floats below which phase 0 runs on the calling thread alone.</summary>
    private const long SmallPack = 1 << 18;

    private GemmSettings _s = GemmSettings.Default;
    private MicroKernel _kern;
    private GemmPlan _p;
    private float* _a, _b, _c, _bp;
    private int _m, _n, _k, _lda, _ldb, _ldc;
    private bool _transA, _transB, _accumulate;
    private int _next0, _next1;

    /// <summary>Work items of phase 0 (B packing) and phase 1 (tiles).</summary>
    public int PackItems => _p.PackItems;

    /// <summary>Output tiles (phase 1 items).</summary>
    public int TileItems => _p.TileItems;

    /// <summary>Which phase <see cref="RunShare"/> works on: 0 packs B, 1 computes tiles.</summary>
    public int Phase;

    /// <summary>Takes the operands, plans the tiling for <paramref name="threads"/> threads and sizes the shared B panels.</summary>
    public void Setup(GemmSettings settings, bool transA, bool transB, int m, int n, int k, float* a, int lda, float* b, int ldb,
        float* c, int ldc, bool accumulate, int threads)
    {
        _s = settings; _kern = settings.Kernel; _transA = transA; _transB = transB; _m = m; _n = n; _k = k;
        _a = a; _lda = lda; _b = b; _ldb = ldb; _c = c; _ldc = ldc; _accumulate = accumulate;
        _p = new GemmPlan(settings, transB, m, n, k, threads);
        _bp = GemmBuffers.ThreadBuffer(ref t_bpack, (long)(_p.NPanels - _p.FirstPacked) * _kern.NR * _k);
        _next0 = 0; _next1 = 0;
    }

    public void Clear() { _a = _b = _c = _bp = null; }

    public override string ToString() => _p.ToString();

    /// <summary>Runs both phases on the pool (false when it is busy: the caller then runs them inline).</summary>
    public bool RunOnPool(WorkerPool pool, int helpers)
    {
        // Packing a small B is quicker than waking the helpers twice.
        if (PackItems > 0)
        {
            Phase = 0;
            int packHelpers = _p.PackFloats <= SmallPack ? 0 : Math.Min(helpers, PackItems - 1);
            if (!pool.TryRun(this, packHelpers)) return false;
        }
        Phase = 1;
        if (!pool.TryRun(this, Math.Min(helpers, TileItems - 1)))
        {
            RunPhase(1);
        }
        return true;
    }

    public override void RunShare(int worker, int workers) => RunPhase(Phase);

    public void RunPhase(int phase)
    {
        int i;
        if (phase == 0)
            while ((i = Interlocked.Increment(ref _next0) - 1) < PackItems) PackB(i);
        else
            while ((i = Interlocked.Increment(ref _next1) - 1) < TileItems) Tile(i);
    }

    /// <summary>One phase-0 item: <see cref="GemmPlan.PackChunk"/> K rows of one packed panel of op(B).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackB(int item)
    {
        int nr = _kern.NR;
        int panel = _p.FirstPacked + item / _p.PackChunks, chunk = item % _p.PackChunks;
        int p0 = chunk * GemmPlan.PackChunk, p1 = Math.Min(_k, p0 + GemmPlan.PackChunk);
        int j0 = panel * nr, w = Math.Min(nr, _n - j0);
        float* dst = _bp + ((long)(panel - _p.FirstPacked) * _k + p0) * nr;
        GemmPacking.PackBPanel(dst, _b, _ldb, _transB, nr, j0, w, p0, p1);
    }

    /// <summary>One phase-1 item: a tile of C, all K blocks, over every MR×NR block of it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tile(int item)
    {
        int mr = _kern.MR, nr = _kern.NR;
        var fn = _kern.Fn;
        var rowFns = _kern.Rows;
        var directA = !_transA && _s.UseDirectA ? _kern.DirectA : null;
        int rb = item / _p.ColBlocks, cb = item % _p.ColBlocks;
        int i0 = rb * _p.Mc, rows = Math.Min(_p.Mc, _m - i0);
        int pan0 = cb * _p.PanelsPerBlock, pan1 = Math.Min(_p.NPanels, pan0 + _p.PanelsPerBlock);
        float* apack = GemmBuffers.ThreadBuffer(ref t_apack, (long)_p.Mc * _p.Kc);
        float* edge = GemmBuffers.ThreadBuffer(ref t_edge, mr * nr);
        float* bblock = _p.BlockB ? GemmBuffers.ThreadBuffer(ref t_bblock, (long)(pan1 - pan0) * nr * _p.Kc) : null;
        for (int kb = 0; kb < _p.Nkb; kb++)
        {
            int p0 = kb * _p.Kc, kc = Math.Min(_p.Kc, _k - p0);
            // Row-major A with a direct kernel: full row panels are read in place; only the last partial one is packed.
            int fullRows = directA != null ? rows / mr * mr : 0;
            if (fullRows < rows) GemmPacking.PackA(apack + (long)fullRows * kc, _a, _lda, _transA, mr, _s.FastPackA, i0 + fullRows, rows - fullRows, p0, kc);
            int acc = kb > 0 || _accumulate ? 1 : 0;
            if (_p.BlockB) GemmPacking.PackBBlock(bblock, _b, _ldb, _n, nr, pan0, pan1, p0, kc);
            // Panels of B outer (the B panel stays in L1/L2 while the packed A block streams past), or, when K
            // is split and A blocks are tall, rows outer (the small A panel stays in L1, the B block in L2).
            int panels = pan1 - pan0, rowPanels = (rows + mr - 1) / mr;
            bool rowsOuter = (_p.Nkb > 1 && _s.RowsOuterWhenSplitK) || directA != null;
            int outer = rowsOuter ? rowPanels : panels, inner = rowsOuter ? panels : rowPanels;
            for (int o = 0; o < outer; o++)
            {
                for (int q = 0; q < inner; q++)
                {
                    int jp = pan0 + (rowsOuter ? q : o), r0 = (rowsOuter ? o : q) * mr;
                    int j0 = jp * nr, w = Math.Min(nr, _n - j0);
                    bool packed = jp >= _p.FirstPacked;
                    float* bp = _p.BlockB ? bblock + (long)(jp - pan0) * kc * nr
                        : packed ? _bp + ((long)(jp - _p.FirstPacked) * _k + p0) * nr : _b + (long)p0 * _ldb + j0;
                    nint ldbp = packed || _p.BlockB ? nr : _ldb;
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
