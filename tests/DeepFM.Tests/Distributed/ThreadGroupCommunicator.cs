using DeepFM.Distributed;

namespace DeepFM.Tests.Distributed;

/// <summary>
/// A test double of an MPI world inside one process: <c>Size</c> members, one per thread, meeting at a barrier for
/// every collective. Each member posts its input, all read every member's input and compute the result themselves
/// (sums in rank order), then meet again before the slots are reused. It lets the data-parallel algorithm be tested
/// where Open MPI is not installed.
/// </summary>
internal sealed class ThreadGroupCommunicator : ICommunicator
{
    private readonly Shared _shared;

    private ThreadGroupCommunicator(Shared shared, int rank) => (_shared, Rank) = (shared, rank);

    /// <summary>The members of a group of <paramref name="size"/>.</summary>
    public static ThreadGroupCommunicator[] Create(int size)
    {
        var shared = new Shared(size);
        return Enumerable.Range(0, size).Select(r => new ThreadGroupCommunicator(shared, r)).ToArray();
    }

    private sealed class Shared(int size)
    {
        public readonly Barrier Barrier = new(size);
        public readonly object?[] Slots = new object?[size];
    }

    public int Rank { get; }

    public int Size => _shared.Slots.Length;

    /// <summary>Posts this member's data, waits for all, runs <paramref name="read"/> over every member's data, waits again.</summary>
    private void Exchange<T>(T[] mine, Action<T[][]> read)
    {
        _shared.Slots[Rank] = mine;
        _shared.Barrier.SignalAndWait();
        read(_shared.Slots.Select(s => (T[])s!).ToArray());
        _shared.Barrier.SignalAndWait();
    }

    public void AllReduceSum(Span<float> values) => Reduce(values, (a, b) => a + b);

    public void AllReduceSum(Span<double> values) => Reduce(values, (a, b) => a + b);

    public void AllReduceSum(Span<long> values) => Reduce(values, (a, b) => a + b);

    public void AllReduceMax(Span<long> values) => Reduce(values, Math.Max);

    private void Reduce<T>(Span<T> values, Func<T, T, T> op)
    {
        var result = new T[values.Length];
        Exchange(values.ToArray(), all =>
        {
            for (int i = 0; i < result.Length; i++)
            {
                T s = all[0][i];
                for (int r = 1; r < all.Length; r++) s = op(s, all[r][i]);
                result[i] = s;
            }
        });
        result.CopyTo(values);
    }

    public void AllGather<T>(ReadOnlySpan<T> mine, Span<T> all) where T : unmanaged
    {
        var result = new T[all.Length];
        Exchange(mine.ToArray(), parts => { for (int r = 0; r < parts.Length; r++) parts[r].CopyTo(result, r * parts[r].Length); });
        result.CopyTo(all);
    }

    public void AllGatherV<T>(ReadOnlySpan<T> mine, Span<T> all, ReadOnlySpan<int> counts) where T : unmanaged
    {
        var result = new List<T>();
        Exchange(mine.ToArray(), parts => { foreach (var p in parts) result.AddRange(p); });
        result.ToArray().CopyTo(all);
    }

    public void Broadcast<T>(Span<T> values, int root) where T : unmanaged
    {
        T[]? result = null;
        Exchange(values.ToArray(), parts => result = (T[])parts[root].Clone());
        result!.CopyTo(values);
    }

    public void Barrier() => _shared.Barrier.SignalAndWait();

    public void Abort(int errorCode) => throw new InvalidOperationException($"Abort({errorCode})");

    public void Dispose() { }
}
