using DeepFM.Engine;

namespace DeepFM.Training;

/// <summary>
/// The step between backward and the optimizer that combines gradients across workers. In one process it does
/// nothing; a data-parallel trainer (e.g. over MPI) replaces it with an all-reduce of dense gradients and of the
/// touched rows of sparse ones, then divides by the number of workers.
/// </summary>
public interface IGradientReducer
{
    /// <summary>Combines the gradients of <paramref name="parameters"/> in place.</summary>
    void Reduce(IReadOnlyList<Parameter> parameters);
}
