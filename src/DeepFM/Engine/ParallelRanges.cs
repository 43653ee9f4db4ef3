namespace DeepFM.Engine;

/// <summary>Work over an index range <c>[start, end)</c>, cut into parts by <see cref="ParallelRanges.For"/>.
/// A job is a reusable object (a layer keeps one), so running it allocates nothing.</summary>
public abstract class RangeJob
{
    /// <summary>Processes the indices <c>[start, end)</c>.</summary>
    public abstract void Run(int start, int end);
}

/// <summary>
/// Runs a <see cref="RangeJob"/> over <c>[0, count)</c> on up to <see cref="Parallelism.MaxDegree"/> threads: the range
/// is cut into contiguous parts, the calling thread runs the first and persistent helper threads the others.
/// Callers must only use it for jobs whose every output element is computed by one index in a fixed order (element-wise
/// maps, disjoint rows), so results are bitwise identical for any thread count. Steady-state calls allocate nothing.
/// When the helpers are busy (a call from another thread, or a nested call) the job runs inline.
/// </summary>
public static class ParallelRanges
{
    private static readonly object Gate = new();
    private static Thread[] _threads = [];
    private static SemaphoreSlim[] _wake = [];
    private static RangeJob? _job;
    private static int _count, _parts, _pending;
    private static Exception? _error;

    /// <summary>Runs <paramref name="job"/> over <c>[0, count)</c>, in parts of at least <paramref name="minPerPart"/> indices.</summary>
    public static void For(int count, int minPerPart, RangeJob job)
    {
        if (count <= 0) return;
        int parts = Math.Min(Math.Min(Parallelism.MaxDegree, Environment.ProcessorCount), count / Math.Max(1, minPerPart));
        // A call from inside a running job (the gate is reentrant) must not take over the helpers' shared state.
        if (parts <= 1 || Monitor.IsEntered(Gate) || !Monitor.TryEnter(Gate))
        {
            job.Run(0, count);
            return;
        }
        try
        {
            if (_threads.Length < parts - 1) Grow(parts - 1);
            _job = job;
            _count = count;
            _parts = parts;
            Volatile.Write(ref _pending, parts - 1);
            for (int i = 0; i < parts - 1; i++) _wake[i].Release();
            try { job.Run(0, Bound(count, parts, 1)); }
            finally
            {
                // Helpers may still be inside the job: wait for them, even after a failure.
                var spin = new SpinWait();
                while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
                _job = null;
            }
            if (_error is { } error)
            {
                _error = null;
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            }
        }
        finally { Monitor.Exit(Gate); }
    }

    private static int Bound(int count, int parts, int i) => (int)((long)count * i / parts);

    private static void Grow(int helpers)
    {
        var threads = new Thread[helpers];
        var wake = new SemaphoreSlim[helpers];
        Array.Copy(_threads, threads, _threads.Length);
        Array.Copy(_wake, wake, _wake.Length);
        for (int i = _threads.Length; i < helpers; i++)
        {
            wake[i] = new SemaphoreSlim(0);
            threads[i] = new Thread(Worker) { IsBackground = true, Name = $"DeepFM ranges {i + 1}" };
        }
        int old = _threads.Length;
        _threads = threads;
        _wake = wake;
        for (int i = old; i < helpers; i++) threads[i].Start(i);
    }

    private static void Worker(object? state)
    {
        int index = (int)state!;
        var wake = _wake[index];
        int part = index + 1;
        while (true)
        {
            wake.Wait();
            try
            {
                int count = _count, parts = _parts;
                if (part < parts) _job!.Run(Bound(count, parts, part), Bound(count, parts, part + 1));
            }
            catch (Exception e) { _error = e; }
            finally { Interlocked.Decrement(ref _pending); }
        }
    }
}
