namespace DeepFM.Engine;

/// <summary>Process-wide limit on the threads the numeric kernels use.</summary>
public static class Parallelism
{
    private static int _maxDegree = Environment.ProcessorCount;

    /// <summary>Most threads a kernel may use at once (default: all cores). Results do not depend on it: kernels
    /// partition over output elements, so every sum is taken in the same order whatever the thread count.</summary>
    public static int MaxDegree
    {
        get => _maxDegree;
        set => _maxDegree = value < 1 ? Environment.ProcessorCount : value;
    }
}
