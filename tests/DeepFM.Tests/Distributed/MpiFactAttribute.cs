namespace DeepFM.Tests.Distributed;

/// <summary>A fact that is skipped, with the reason, when Open MPI (mpirun and libmpi.so.40) is not installed; CI
/// installs it (.ci/run).</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpiRunner.Unavailable is { } why) Skip = why;
    }
}
