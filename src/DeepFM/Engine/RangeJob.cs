namespace DeepFM.Engine;

/// <summary>Work over an index range <c>[start, end)</c>, cut into contiguous parts by <see cref="ComputeContext.For"/>.
/// A job is a reusable object (a layer keeps one per workspace), so running it allocates nothing.</summary>
public abstract class RangeJob : PoolJob
{
    private int _count;

    /// <summary>Processes the indices <c>[start, end)</c>.</summary>
    public abstract void Run(int start, int end);

    /// <summary>Sets the range the next pool run cuts up.</summary>
    internal void Prepare(int count) => _count = count;

    /// <inheritdoc />
    public sealed override void RunShare(int worker, int workers) =>
        Run((int)((long)_count * worker / workers), (int)((long)_count * (worker + 1) / workers));
}
