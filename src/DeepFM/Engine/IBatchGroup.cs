namespace DeepFM.Engine;

/// <summary>
/// The processes that share one training step's batch, each passing its own slice of the rows through the same
/// layers (data-parallel training). A layer whose pass needs statistics of the whole batch — batch norm's column
/// means and variances — computes partial sums over its slice and adds them up with <see cref="Sum"/>, so that every
/// process normalises with the statistics one process would have computed over the whole batch.
/// </summary>
public interface IBatchGroup
{
    /// <summary>Replaces each value by its sum over the processes, identical on every process. Every process calls it
    /// at the same point of the same pass, with the same length.</summary>
    void Sum(Span<double> values);
}
