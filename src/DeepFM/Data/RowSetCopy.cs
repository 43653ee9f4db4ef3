namespace DeepFM.Data;

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
