namespace DeepFM.Data;

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
