namespace DeepFM.Engine;

/// <summary>
/// Persistent helper threads shared by every kernel of the process (element-wise maps, embedding gathers, GEMM tiles):
/// one pool instead of one per kernel family. A run takes the pool for itself, wakes up to <c>helpers</c> threads,
/// does share 0 on the calling thread and waits for the others (spinning briefly, then blocking — the caller does not
/// burn a core while a helper is descheduled). While one run holds the pool, other callers (another serving worker, a
/// nested call from inside a job) get <c>false</c> from <see cref="TryRun"/> and run their job inline: results never
/// depend on who ran what, because jobs share out work by index only.
/// </summary>
public sealed class WorkerPool
{
    private readonly object _gate = new();
    private readonly ManualResetEventSlim _done = new(false);
    private Thread[] _threads = [];
    private SemaphoreSlim[] _wake = [];
    private PoolJob? _job;
    private int _workers, _pending;
    private Exception? _error;

    /// <summary>The process's pool (threads are created on first use, as many as a run asks for, and never exit).</summary>
    public static WorkerPool Shared { get; } = new();

    /// <summary>Most participants a run may have (the caller included).</summary>
    public const int MaxWorkers = 64;

    /// <summary>Runs <paramref name="job"/> on the caller and <paramref name="helpers"/> pool threads; returns false
    /// without running anything when the pool is busy (the caller should then run the job inline).</summary>
    public bool TryRun(PoolJob job, int helpers)
    {
        helpers = Math.Min(helpers, MaxWorkers - 1);
        if (helpers <= 0)
        {
            job.RunShare(0, 1);
            return true;
        }
        if (Monitor.IsEntered(_gate) || !Monitor.TryEnter(_gate)) return false;
        try
        {
            if (_threads.Length < helpers) Grow(helpers);
            _job = job;
            _workers = helpers + 1;
            _done.Reset();
            Volatile.Write(ref _pending, helpers);
            for (int i = 0; i < helpers; i++) _wake[i].Release();
            try { job.RunShare(0, helpers + 1); }
            finally
            {
                // The helpers may still be inside the job (and the memory it points at): wait, even after a failure.
                _done.Wait();
                _job = null;
            }
            if (_error is { } error)
            {
                _error = null;
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            }
            return true;
        }
        finally { Monitor.Exit(_gate); }
    }

    /// <summary>Runs <paramref name="job"/> on up to <c>helpers + 1</c> threads, inline when the pool is busy.</summary>
    public void Run(PoolJob job, int helpers)
    {
        if (!TryRun(job, helpers)) job.RunShare(0, 1);
    }

    private void Grow(int helpers)
    {
        var threads = new Thread[helpers];
        var wake = new SemaphoreSlim[helpers];
        Array.Copy(_threads, threads, _threads.Length);
        Array.Copy(_wake, wake, _wake.Length);
        for (int i = _threads.Length; i < helpers; i++)
        {
            wake[i] = new SemaphoreSlim(0);
            threads[i] = new Thread(Worker) { IsBackground = true, Name = $"DeepFM worker {i + 1}" };
        }
        int old = _threads.Length;
        _threads = threads;
        _wake = wake;
        for (int i = old; i < helpers; i++) threads[i].Start(i);
    }

    private void Worker(object? state)
    {
        int index = (int)state!;
        var wake = _wake[index];
        while (true)
        {
            wake.Wait();
            try { _job!.RunShare(index + 1, _workers); }
            catch (Exception e) { _error = e; }
            finally
            {
                if (Interlocked.Decrement(ref _pending) == 0) _done.Set();
            }
        }
    }
}
