using DeepFM.Engine;

namespace DeepFM.Training;

/// <summary>
/// The step between backward and the optimizer that combines gradients across processes. In one process it does
/// nothing. In data-parallel training (e.g. over MPI) each of <see cref="Processes"/> processes trains a fixed slice of
/// every step's batch (rows <c>[Rank·n/Processes, (Rank+1)·n/Processes)</c> of the step's <c>n</c> rows, so the slices
/// make up the single-process batch), its loss gradient already divided by the whole batch's <c>n</c>; the reducer
/// then sums the dense gradients and the touched rows of sparse ones over the processes, which gives every process
/// the single-process mean gradient.
/// </summary>
public interface IGradientReducer
{
    /// <summary>Combines the gradients of <paramref name="parameters"/> in place; afterwards every process holds the same
    /// gradients and the same <see cref="Parameter.Touched"/> rows, in the same order.</summary>
    void Reduce(IReadOnlyList<Parameter> parameters);

    /// <summary>Number of processes sharing each step's batch (1: this process trains all of it).</summary>
    int Processes => 1;

    /// <summary>This process's index among the <see cref="Processes"/>: which slice of each batch it trains.</summary>
    int Rank => 0;

    /// <summary>The sum of <paramref name="value"/> over the processes (each slice's loss), identical on every process,
    /// so that decisions taken on it (divergence) are the same everywhere.</summary>
    double Sum(double value) => value;

    /// <summary>Completes <paramref name="all"/>, <c>n</c> values of which this process has written its slice (the
    /// same rule as the batch's: <c>[Rank·n/Processes, (Rank+1)·n/Processes)</c>), with every other process's slice,
    /// so that all processes hold the same values (a validation's predictions, each process scoring its share).</summary>
    void GatherSlices(Span<float> all) { }

    /// <summary>The group batch-statistics layers (batch norm) sum their statistics over, so that they normalise with
    /// the whole batch's as one process does; null: each process normalises with its own slice's.</summary>
    IBatchGroup? BatchGroup => null;
}
