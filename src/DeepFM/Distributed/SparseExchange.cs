namespace DeepFM.Distributed;

/// <summary>How <see cref="MpiGradientReducer"/> combines an embedding table's gradient across ranks.</summary>
public enum SparseExchange
{
    /// <summary>Per table and step, whichever moves fewer bytes: <see cref="Rows"/> while the batch touches few rows,
    /// <see cref="WholeTable"/> once the ranks' rows together outweigh the table (small vocabularies, big batches).
    /// Every rank decides on the same counts, so all take the same path.</summary>
    Auto,

    /// <summary>Each rank's touched rows as <c>(row id, gradient row)</c> records, gathered by every rank: bytes per rank
    /// grow with the number of ranks.</summary>
    Rows,

    /// <summary>An all-reduce of the whole table's gradient and a touched-row mask: bytes per rank fixed by the table's
    /// size, whatever the number of ranks.</summary>
    WholeTable,
}
