namespace DeepFM.Engine;

/// <summary>Work that <see cref="WorkerPool.Run"/> hands to several threads at once: each participant calls
/// <see cref="RunShare"/> with its own index. A job is a reusable object, so running it allocates nothing; it shares
/// out its work itself (fixed parts by index, or items claimed from an atomic counter).</summary>
public abstract class PoolJob
{
    /// <summary>Does participant <paramref name="worker"/>'s share (<c>0 ≤ worker &lt; workers</c>; 0 is the caller).</summary>
    public abstract void RunShare(int worker, int workers);
}
