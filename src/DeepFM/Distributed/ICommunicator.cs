namespace DeepFM.Distributed;

/// <summary>
/// The group of processes (ranks) that train one model together, and the collective operations they need. Every
/// rank must make the same calls in the same order with matching lengths (a collective that one rank skips waits
/// for it for ever). Results are identical on every rank.
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's index, 0 … <see cref="Size"/> − 1.</summary>
    int Rank { get; }

    /// <summary>Number of processes.</summary>
    int Size { get; }

    /// <summary>Replaces every element by its sum over the ranks.</summary>
    void AllReduceSum(Span<float> values);

    /// <summary>Replaces every element by its sum over the ranks.</summary>
    void AllReduceSum(Span<double> values);

    /// <summary>Replaces every element by its sum over the ranks.</summary>
    void AllReduceSum(Span<long> values);

    /// <summary>Replaces every element by its largest value over the ranks.</summary>
    void AllReduceMax(Span<long> values);

    /// <summary>Gathers <paramref name="mine"/> from every rank into <paramref name="all"/>, rank 0's first:
    /// <c>all.Length</c> must be <see cref="Size"/> × <c>mine.Length</c>, the same on every rank.</summary>
    void AllGather<T>(ReadOnlySpan<T> mine, Span<T> all) where T : unmanaged;

    /// <summary>Gathers blocks of different lengths: rank <c>r</c> sends <c>counts[r]</c> elements (its
    /// <paramref name="mine"/>), which land in <paramref name="all"/> at <c>sum(counts[0..r])</c>, in rank order.</summary>
    void AllGatherV<T>(ReadOnlySpan<T> mine, Span<T> all, ReadOnlySpan<int> counts) where T : unmanaged;

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> to every rank.</summary>
    void Broadcast<T>(Span<T> values, int root) where T : unmanaged;

    /// <summary>Returns when every rank has called it.</summary>
    void Barrier();

    /// <summary>Ends every rank's process with <paramref name="errorCode"/> (for a failure on one rank, which would
    /// otherwise leave the others waiting in their next collective).</summary>
    void Abort(int errorCode);
}
