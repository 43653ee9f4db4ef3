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

/// <summary>An <see cref="IRowSet"/> held in managed arrays.</summary>
public sealed class InMemoryRowSet : IRowSet
{
    private readonly int[] _ids;
    private readonly float[] _values;
    private readonly float[] _labels;

    /// <summary>Wraps row-major ids and values (<c>count × fieldCount</c>) and labels (<c>count</c>).</summary>
    public InMemoryRowSet(int fieldCount, int[] ids, float[] values, float[] labels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fieldCount);
        if (ids.Length != values.Length || ids.Length != labels.Length * fieldCount)
            throw new ArgumentException("ids and values must hold labels.Length × fieldCount entries.");
        FieldCount = fieldCount;
        _ids = ids;
        _values = values;
        _labels = labels;
    }

    /// <inheritdoc />
    public int Count => _labels.Length;

    /// <inheritdoc />
    public int FieldCount { get; }

    /// <summary>All ids, row-major.</summary>
    public ReadOnlySpan<int> Ids => _ids;

    /// <summary>All values, row-major.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>All labels.</summary>
    public ReadOnlySpan<float> Labels => _labels;

    /// <inheritdoc />
    public void Gather(ReadOnlySpan<int> rows, Batch batch) =>
        RowSetCopy.Gather(_ids, _values, _labels, FieldCount, rows, batch);

    /// <inheritdoc />
    public void Slice(int start, int count, Batch batch) =>
        RowSetCopy.Slice(_ids, _values, _labels, FieldCount, start, count, batch);
}

/// <summary>Shared copy loops for row sets backed by spans.</summary>
public static class RowSetCopy
{
    /// <summary>Copies selected rows from row-major spans into a batch.</summary>
    public static void Gather(ReadOnlySpan<int> ids, ReadOnlySpan<float> values, ReadOnlySpan<float> labels, int fieldCount,
        ReadOnlySpan<int> rows, Batch batch)
    {
        if (rows.Length > batch.Capacity) throw new ArgumentException("More rows than the batch can hold.");
        if (batch.FieldCount != fieldCount) throw new ArgumentException("Batch field count differs from the row set's.");
        if (batch.IsJagged) throw new ArgumentException("Fixed-width rows gather into a fixed-width batch.");
        int m = fieldCount;
        for (int i = 0; i < rows.Length; i++)
        {
            int r = rows[i];
            ids.Slice(r * m, m).CopyTo(batch.IdBuffer.AsSpan(i * m, m));
            values.Slice(r * m, m).CopyTo(batch.ValueBuffer.AsSpan(i * m, m));
            batch.LabelBuffer[i] = labels[r];
        }
        batch.Size = rows.Length;
    }

    /// <summary>Copies a contiguous range of rows into a batch.</summary>
    public static void Slice(ReadOnlySpan<int> ids, ReadOnlySpan<float> values, ReadOnlySpan<float> labels, int fieldCount,
        int start, int count, Batch batch)
    {
        if (count > batch.Capacity) throw new ArgumentException("More rows than the batch can hold.");
        if (batch.IsJagged) throw new ArgumentException("Fixed-width rows gather into a fixed-width batch.");
        int m = fieldCount;
        ids.Slice(start * m, count * m).CopyTo(batch.IdBuffer);
        values.Slice(start * m, count * m).CopyTo(batch.ValueBuffer);
        labels.Slice(start, count).CopyTo(batch.LabelBuffer);
        batch.Size = count;
    }
}
