namespace DeepFM.Data;

/// <summary>
/// Rows whose fields hold any number of entries, in managed arrays in compressed form: the entries of all rows one
/// after another in (row, field) order, and <c>Count·m + 1</c> slot offsets, slot <c>r·m + f</c> spanning
/// <c>[offsets[s], offsets[s + 1])</c> (libffm's row pointers, per field). An empty slot is a field with no value.
/// Offsets are <see cref="long"/>, as a cache's must be (rows × entries may pass 2³¹ there); a batch's are int.
/// </summary>
public sealed class JaggedRowSet : IRowSet
{
    private readonly long[] _offsets;
    private readonly int[] _ids;
    private readonly float[] _values;
    private readonly float[] _labels;

    /// <summary>Wraps <paramref name="offsets"/> (<c>labels.Length·fieldCount + 1</c>, from 0, non-decreasing, ending at
    /// <c>ids.Length</c>), entries <paramref name="ids"/> and <paramref name="values"/>, and one label per row.</summary>
    public JaggedRowSet(int fieldCount, long[] offsets, int[] ids, float[] values, float[] labels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fieldCount);
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(labels);
        if (offsets.LongLength != (long)labels.Length * fieldCount + 1)
            throw new ArgumentException($"offsets must hold labels.Length × fieldCount + 1 = {(long)labels.Length * fieldCount + 1} entries, not {offsets.Length}.", nameof(offsets));
        if (ids.Length != values.Length) throw new ArgumentException("ids and values must have the same length.", nameof(values));
        if (offsets[0] != 0 || offsets[^1] != ids.Length)
            throw new ArgumentException("offsets must start at 0 and end at ids.Length.", nameof(offsets));
        int widest = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            long rowStart = offsets[(long)r * fieldCount];
            for (int f = 0; f < fieldCount; f++)
            {
                long s = (long)r * fieldCount + f;
                if (offsets[s + 1] < offsets[s]) throw new ArgumentException($"offsets decrease at row {r}, field {f}.", nameof(offsets));
            }
            long entries = offsets[(long)(r + 1) * fieldCount] - rowStart;
            if (entries > int.MaxValue / Math.Max(1, fieldCount)) throw new ArgumentException($"row {r} holds {entries} entries, too many for a batch.", nameof(offsets));
            widest = Math.Max(widest, (int)entries);
        }
        FieldCount = fieldCount;
        MaxRowEntries = widest;
        _offsets = offsets;
        _ids = ids;
        _values = values;
        _labels = labels;
    }

    /// <summary>The slot offsets (<c>Count·m + 1</c>).</summary>
    public ReadOnlySpan<long> Offsets => _offsets;

    /// <summary>All entries' ids, in (row, field) order.</summary>
    public ReadOnlySpan<int> Ids => _ids;

    /// <summary>All entries' values, parallel to <see cref="Ids"/>.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>All labels.</summary>
    public ReadOnlySpan<float> Labels => _labels;

    /// <inheritdoc />
    public int Count => _labels.Length;

    /// <inheritdoc />
    public int FieldCount { get; }

    /// <inheritdoc />
    public bool IsJagged => true;

    /// <inheritdoc />
    public int MaxRowEntries { get; }

    /// <inheritdoc />
    public void Gather(ReadOnlySpan<int> rows, Batch batch)
    {
        Check(rows.Length, batch);
        int written = 0;
        batch.OffsetBuffer[0] = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            int r = rows[i];
            if ((uint)r >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(rows), $"row {r} is outside [0, {Count}).");
            written = CopyRow(r, i, batch, written);
        }
        batch.Size = rows.Length;
    }

    /// <inheritdoc />
    public void Slice(int start, int count, Batch batch)
    {
        Check(count, batch);
        if (start < 0 || count < 0 || start > Count - count) throw new ArgumentOutOfRangeException(nameof(start));
        batch.OffsetBuffer[0] = 0;
        int written = 0;
        for (int i = 0; i < count; i++) written = CopyRow(start + i, i, batch, written);
        batch.Size = count;
    }

    /// <summary>Copies row <paramref name="r"/> into batch row <paramref name="slot"/>, its entries from
    /// <paramref name="written"/> on; returns the entries written so far.</summary>
    private int CopyRow(int r, int slot, Batch batch, int written)
    {
        int m = FieldCount;
        long first = _offsets[(long)r * m], end = _offsets[(long)(r + 1) * m];
        int n = (int)(end - first);
        batch.EnsureEntryCapacity(checked(written + n));
        _ids.AsSpan((int)first, n).CopyTo(batch.IdBuffer.AsSpan(written));
        _values.AsSpan((int)first, n).CopyTo(batch.ValueBuffer.AsSpan(written));
        var offsets = batch.OffsetBuffer;
        for (int f = 0; f < m; f++) offsets[slot * m + f + 1] = written + (int)(_offsets[(long)r * m + f + 1] - first);
        batch.LabelBuffer[slot] = _labels[r];
        return written + n;
    }

    private void Check(int rows, Batch batch)
    {
        if (rows > batch.Capacity) throw new ArgumentException("More rows than the batch can hold.");
        if (batch.FieldCount != FieldCount) throw new ArgumentException("Batch field count differs from the row set's.");
        if (!batch.IsJagged) throw new ArgumentException("Jagged rows gather into a jagged batch (IRowSet.CreateBatch makes one).");
    }
}
