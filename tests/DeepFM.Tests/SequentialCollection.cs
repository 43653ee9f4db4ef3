namespace DeepFM.Tests;

/// <summary>
/// Tests that change the process-wide <see cref="DeepFM.Engine.Parallelism.MaxDegree"/> or count allocations on the
/// calling thread. They run alone: a test class running in parallel would share the kernels' worker pool, so a
/// measured call could take the busy-pool fallback (which sets up the calling thread's own buffers once) or see
/// another test's thread limit.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SequentialCollection
{
    public const string Name = "Sequential (global thread settings, allocation counts)";
}
