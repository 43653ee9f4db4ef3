namespace DeepFM.Engine;

/// <summary>
/// How the numeric kernels may run: how many threads, on which pool, with which GEMM settings. Immutable and passed
/// to what computes (through <see cref="Workspace.Compute"/>), instead of process-wide settings, so two models in one
/// process (a trainer and a scorer, two tests) can run with different limits at once. Results never depend on it:
/// kernels partition over output elements, so every sum is taken in the same order whatever the thread count.
/// </summary>
public sealed class ComputeContext
{
    private ComputeContext(int threads, WorkerPool pool, GemmSettings gemm)
    {
        Threads = threads;
        Pool = pool;
        Gemm = gemm;
    }

    /// <summary>All cores, the shared pool, the best GEMM kernel of this machine.</summary>
    public static ComputeContext Default { get; } = new(Environment.ProcessorCount, WorkerPool.Shared, GemmSettings.Default);

    /// <summary>One thread: everything runs on the caller (serving workers, which parallelise over requests).</summary>
    public static ComputeContext Serial { get; } = Default.WithThreads(1);

    /// <summary>Most threads a kernel uses at once (the caller included), at most the machine's core count.</summary>
    public int Threads { get; }

    /// <summary>The helper threads.</summary>
    public WorkerPool Pool { get; }

    /// <summary>GEMM kernel and tiling settings (tests and benchmarks change them; users have no reason to).</summary>
    internal GemmSettings Gemm { get; }

    /// <summary>A context like this one limited to <paramref name="threads"/> threads (below 1: all cores).</summary>
    public ComputeContext WithThreads(int threads) =>
        new(threads < 1 ? Environment.ProcessorCount : Math.Min(threads, Environment.ProcessorCount), Pool, Gemm);

    /// <summary>A context like this one with other GEMM settings.</summary>
    internal ComputeContext WithGemm(GemmSettings gemm) => new(Threads, Pool, gemm);

    /// <summary>Runs <paramref name="job"/> over <c>[0, count)</c> in contiguous parts of at least
    /// <paramref name="minPerPart"/> indices, the caller running the first. Only for jobs whose every output element
    /// is computed by one index in a fixed order, so results are the same for any thread count.</summary>
    public void For(int count, int minPerPart, RangeJob job)
    {
        if (count <= 0) return;
        int parts = Math.Min(Threads, count / Math.Max(1, minPerPart));
        job.Prepare(count);
        if (parts <= 1 || !Pool.TryRun(job, parts - 1)) job.Run(0, count);
    }
}
