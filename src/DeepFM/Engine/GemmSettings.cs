namespace DeepFM.Engine;

/// <summary>The GEMM's kernel choice and tiling thresholds, as one immutable value carried by a
/// <see cref="ComputeContext"/> (benchmarks and tests vary them with <c>with</c>; the defaults are the measured best).</summary>
internal sealed record GemmSettings
{
    /// <summary>The best settings for this machine.</summary>
    public static GemmSettings Default { get; } = new();

    /// <summary>The micro-kernel in use: the best of <see cref="MicroKernel.Available"/> unless a bench or test picks another.</summary>
    public MicroKernel Kernel { get; init; } = MicroKernel.Available()[0];

    /// <summary>Largest K block; K is split into equal blocks no larger than this (independent of threads).</summary>
    public int KcMax { get; init; } = 400;

    /// <summary>Target rows of A packed per tile (the A block stays in L2 while the B panels stream past).</summary>
    public int McTarget { get; init; } = 128;

    /// <summary>Largest row block when K is split into several blocks.</summary>
    public int McLongK { get; init; } = 400;

    /// <summary>Loop order inside a tile when K is split: row panels outer (on) or B panels outer (off).</summary>
    public bool RowsOuterWhenSplitK { get; init; } = true;

    /// <summary>Read full row panels of a row-major A in place when the kernel has a direct-A variant.</summary>
    public bool UseDirectA { get; init; } = true;

    /// <summary>Pack full 4- and 5-row panels of a non-transposed A k-major (off: row by row).</summary>
    public bool FastPackA { get; init; } = true;

    /// <summary>Share of one tile added to the estimated finishing time of a split (favours more, smaller tiles).</summary>
    public double Slack { get; init; } = 0.15;

    /// <summary>Below this many flops a call runs on the calling thread only.</summary>
    public double ParallelMinFlops { get; init; } = 4e6;

    /// <summary>Read full B panels in place when op(B) = B (no packing of B); off packs every panel.</summary>
    public bool DirectB { get; init; } = true;

    /// <summary>Rows below which a row-major B is read in place rather than packed.</summary>
    public int DirectBMaxRows { get; init; } = 512;

    /// <summary>When op(B) = B and K is split, pack each tile's B block per K block (sequential reads) instead of reading in place.</summary>
    public bool PackBPerBlock { get; init; } = true;

    /// <summary>Single-row products (m = 1, op(B) = B) on one thread stream B's rows in place through the 1×N row
    /// kernel (off: the tiled path with its 1×80 edge kernel).</summary>
    public bool SingleRow { get; init; } = true;
}
