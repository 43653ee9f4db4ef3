namespace DeepFM.Data;

/// <summary>
/// Encoded rows with random access, the trainer's view of a data split: in memory, or memory-mapped from a prepared
/// cache. Rows are fixed-width (one entry per field) unless <see cref="IsJagged"/>, when a field may hold several
/// entries (see <see cref="Batch"/>). Implementations must be safe for concurrent <see cref="Gather"/> calls into
/// different batches.
/// </summary>
public interface IRowSet
{
    /// <summary>Number of rows.</summary>
    int Count { get; }

    /// <summary>Number of fields per row.</summary>
    int FieldCount { get; }

    /// <summary>True when fields may hold any number of entries; gathers then need a jagged batch.</summary>
    bool IsJagged => false;

    /// <summary>Most entries any one row holds (<see cref="FieldCount"/> when fixed-width).</summary>
    int MaxRowEntries => FieldCount;

    /// <summary>A batch for up to <paramref name="capacity"/> rows of this set: fixed-width, or jagged with room for one
    /// entry per field to start with (it grows to the widest rows it is given, then allocates no more).</summary>
    Batch CreateBatch(int capacity) =>
        IsJagged ? new Batch(capacity, FieldCount, checked(capacity * FieldCount)) : new Batch(capacity, FieldCount);

    /// <summary>Copies the rows named by <paramref name="rows"/> (indices in <c>[0, Count)</c>) into <paramref name="batch"/>
    /// and sets its <see cref="Batch.Size"/>.</summary>
    void Gather(ReadOnlySpan<int> rows, Batch batch);

    /// <summary>Copies the contiguous rows <c>[start, start + count)</c> into <paramref name="batch"/>.</summary>
    void Slice(int start, int count, Batch batch);
}
