namespace DeepFM.Distributed;

/// <summary>A group of one: every collective is the identity. Training through it is single-process training.</summary>
public sealed class SingleProcessCommunicator : ICommunicator
{
    /// <summary>The shared instance.</summary>
    public static SingleProcessCommunicator Instance { get; } = new();

    /// <inheritdoc />
    public int Rank => 0;

    /// <inheritdoc />
    public int Size => 1;

    /// <inheritdoc />
    public void AllReduceSum(Span<float> values) { }

    /// <inheritdoc />
    public void AllReduceSum(Span<double> values) { }

    /// <inheritdoc />
    public void AllReduceSum(Span<long> values) { }

    /// <inheritdoc />
    public void AllReduceMax(Span<long> values) { }

    /// <inheritdoc />
    public void AllGather<T>(ReadOnlySpan<T> mine, Span<T> all) where T : unmanaged
    {
        if (all.Length != mine.Length) throw new ArgumentException("AllGather: the output must hold Size × mine.Length elements.", nameof(all));
        mine.CopyTo(all);
    }

    /// <inheritdoc />
    public void AllGatherV<T>(ReadOnlySpan<T> mine, Span<T> all, ReadOnlySpan<int> counts) where T : unmanaged
    {
        if (counts.Length != 1 || counts[0] != mine.Length) throw new ArgumentException("AllGatherV: counts must hold each rank's length.", nameof(counts));
        mine.CopyTo(all);
    }

    /// <inheritdoc />
    public void Broadcast<T>(Span<T> values, int root) where T : unmanaged
    {
        if (root != 0) throw new ArgumentOutOfRangeException(nameof(root));
    }

    /// <inheritdoc />
    public void Barrier() { }

    /// <inheritdoc />
    public void Abort(int errorCode) => Environment.Exit(errorCode);

    /// <inheritdoc />
    public void Dispose() { }
}
