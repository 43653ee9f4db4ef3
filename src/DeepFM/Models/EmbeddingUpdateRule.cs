namespace DeepFM.Models;

/// <summary>Resolution of <see cref="EmbeddingUpdate.Auto"/>.</summary>
public static class EmbeddingUpdateRule
{
    /// <summary>Tables up to this many numbers (e.g. 100k features × k = 10) are updated densely under Auto: the
    /// cost per step is then small next to the network's, and whole-table L2 regularises rare rows, which lazy
    /// updates leave untouched (Frappe: test logloss 0.162 lazy vs dense, see docs/results.md).</summary>
    public const long AutoDenseLimit = 1_000_000;

    /// <summary>Whether a table of the given size is updated densely.</summary>
    public static bool IsDense(EmbeddingUpdate mode, long tableNumbers) =>
        mode == EmbeddingUpdate.Dense || (mode == EmbeddingUpdate.Auto && tableNumbers <= AutoDenseLimit);
}
