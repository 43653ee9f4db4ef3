namespace DeepFM.Training;

/// <summary>
/// The order in which an epoch visits the training rows. A sampler is a pure function of the epoch number (and its own
/// settings), so a run resumed mid-epoch recomputes the order instead of saving it, and several processes can each
/// take their share of the same order.
/// </summary>
public interface ISampler
{
    /// <summary>Writes the row indices of epoch <paramref name="epoch"/> (1-based) into <paramref name="order"/>, whose
    /// length is the number of training rows.</summary>
    void Order(int epoch, Span<int> order);
}
