using DeepFM.Data;

namespace DeepFM.Bench;

/// <summary>The first <c>count</c> rows of a row set.</summary>
internal sealed class PrefixRows(IRowSet source, int count) : IRowSet
{
    public int Count => count;
    public int FieldCount => source.FieldCount;
    public void Gather(ReadOnlySpan<int> rows, Batch batch) => source.Gather(rows, batch);
    public void Slice(int start, int n, Batch batch) => source.Slice(start, n, batch);
}
