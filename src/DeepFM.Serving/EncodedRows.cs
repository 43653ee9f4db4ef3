using System.Buffers;

namespace DeepFM.Serving;

/// <summary>Rows of one request in model input form (ids and values, row-major), on arrays rented from the shared
/// pool so a request allocates no per-row memory. Dispose returns the arrays.</summary>
internal sealed class EncodedRows(int fieldCount) : IDisposable
{
    public int FieldCount { get; } = fieldCount;
    public int Count { get; private set; }
    public int[] Ids { get; private set; } = [];
    public float[] Values { get; private set; } = [];

    /// <summary>Appends a row and returns its index; the caller fills <see cref="RowIds"/> and <see cref="RowValues"/>.</summary>
    public int Add()
    {
        int need = (Count + 1) * FieldCount;
        if (need > Ids.Length) Grow(need);
        return Count++;
    }

    public Span<int> RowIds(int row) => Ids.AsSpan(row * FieldCount, FieldCount);

    public Span<float> RowValues(int row) => Values.AsSpan(row * FieldCount, FieldCount);

    private void Grow(int need)
    {
        int size = Math.Max(need, Math.Max(Ids.Length * 2, 16 * FieldCount));
        var ids = ArrayPool<int>.Shared.Rent(size);
        var values = ArrayPool<float>.Shared.Rent(size);
        Ids.AsSpan(0, Count * FieldCount).CopyTo(ids);
        Values.AsSpan(0, Count * FieldCount).CopyTo(values);
        Release();
        Ids = ids;
        Values = values;
    }

    private void Release()
    {
        if (Ids.Length > 0) ArrayPool<int>.Shared.Return(Ids);
        if (Values.Length > 0) ArrayPool<float>.Shared.Return(Values);
    }

    public void Dispose()
    {
        Release();
        Ids = [];
        Values = [];
        Count = 0;
    }
}
