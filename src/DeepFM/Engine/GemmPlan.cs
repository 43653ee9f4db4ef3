namespace DeepFM.Engine;

/// <summary>
/// How one tiled product is cut up: K blocks, which B panels are packed (and by whom), and the output tiles the threads
/// share out. A function of the shape, the settings and the thread count only (never of the data), so the K blocks,
/// and with them every element's chain of fused multiply-adds, are the same whatever the thread count.
/// </summary>
internal readonly struct GemmPlan
{
    /// <summary>K rows per B packing item.</summary>
    public const int PackChunk = 128;

    /// <summary>Flop-equivalent cost of packing one element (a scalar copy ≈ one cycle ≈ 32 flops at peak).</summary>
    private const double PackCost = 32;

    /// <summary>Width of the kernel's column panels.</summary>
    public readonly int NR;

    /// <summary>B panels of NR columns; K blocks of <see cref="Kc"/> (the last may be shorter).</summary>
    public readonly int NPanels, Kc, Nkb;

    /// <summary>B packing items per packed panel (<see cref="PackChunk"/> K rows each).</summary>
    public readonly int PackChunks;

    /// <summary>op(B) = B row-major: full panels are read in place, only the last partial one is packed.</summary>
    public readonly bool DirectB;

    /// <summary>op(B) = B and K split: each tile packs its B columns per K block.</summary>
    public readonly bool BlockB;

    /// <summary>The first panel that is packed (up front, in phase 0).</summary>
    public readonly int FirstPacked;

    /// <summary>Tiles: <see cref="Mc"/> rows × <see cref="PanelsPerBlock"/> panels, <see cref="ColBlocks"/> tiles across.</summary>
    public readonly int Mc, ColBlocks, PanelsPerBlock;

    /// <summary>Work items of phase 0 (B packing) and phase 1 (tiles).</summary>
    public readonly int PackItems, TileItems;

    /// <summary>Floats phase 0 writes.</summary>
    public long PackFloats => (long)PackItems * PackChunk * NR;

    public GemmPlan(GemmSettings s, bool transB, int m, int n, int k, int threads)
    {
        int mr = s.Kernel.MR, nr = s.Kernel.NR;
        NR = nr;
        NPanels = (n + nr - 1) / nr;
        Nkb = (k + s.KcMax - 1) / s.KcMax;
        Kc = (k + Nkb - 1) / Nkb;
        PackChunks = (k + PackChunk - 1) / PackChunk;
        // Packing B costs k·n copies; worth it (aligned loads, one stream) only when many rows reuse it.
        DirectB = !transB && s.DirectB && m < s.DirectBMaxRows;
        BlockB = !transB && Nkb > 1 && s.PackBPerBlock;
        FirstPacked = BlockB ? NPanels : DirectB ? n / nr : 0;
        PackItems = (NPanels - FirstPacked) * PackChunks;

        // Tiles of Mc rows × PanelsPerBlock panels. One thread: the tallest block whose packed A stays in L2
        // (s.McTarget rows), or up to s.McLongK rows when K is split (dW = Xᵀ·dY), since each row block re-reads all of
        // B (measured ~1.2× at 400×400×4096). Several threads: the split with the least estimated finishing time,
        // counting rounds of tiles, packing, and a little slack for a thread that gets preempted.
        int cap = Math.Max(mr, (Nkb > 1 ? s.McLongK : s.McTarget) / mr * mr);
        int rowBlocks = (m + cap - 1) / cap;
        Mc = RoundUp((m + rowBlocks - 1) / rowBlocks, mr);
        rowBlocks = (m + Mc - 1) / Mc;
        PanelsPerBlock = NPanels;
        ColBlocks = 1;
        if (threads > 1)
        {
            double best = double.MaxValue;
            int r0 = rowBlocks, rMax = Math.Min((m + mr - 1) / mr, Math.Max(2 * r0, 4 * threads));
            for (int c = 1; c <= NPanels; c++)
            {
                int ppcb = (NPanels + c - 1) / c;
                if (c > 1 && (NPanels + ppcb - 1) / ppcb != c) continue;
                double nc = ppcb * nr;
                for (int r = r0; r <= rMax; r++)
                {
                    int mc = RoundUp((m + r - 1) / r, mr);
                    if (r > r0 && (m + mc - 1) / mc != r) continue;
                    int rounds = (r * c + threads - 1) / threads;
                    double tile = 2.0 * mc * nc * k + PackCost * (mc + nc) * k;
                    double cost = rounds * tile + s.Slack * tile;
                    if (cost < best * 0.999)
                    {
                        best = cost; Mc = mc; rowBlocks = r; PanelsPerBlock = ppcb; ColBlocks = c;
                    }
                }
            }
        }
        TileItems = rowBlocks * ColBlocks;
    }

    /// <summary>The plan in words (bench diagnostics: <c>gemm --plan</c>).</summary>
    public override string ToString() =>
        $"{TileItems} tiles of {Mc} rows × {PanelsPerBlock * NR} cols ({ColBlocks} column blocks), K in {Nkb} blocks of {Kc}";

    private static int RoundUp(int x, int to) => (x + to - 1) / to * to;
}
