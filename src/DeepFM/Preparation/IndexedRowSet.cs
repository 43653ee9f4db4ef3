using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;
using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>A subset of a <see cref="MappedRowSet"/> through an index array (a split view). Both calls reach the mapping
/// only after the source's <see cref="MappedRowSet.Check"/>, so they too throw once the owner is disposed.</summary>
internal sealed class IndexedRowSet(MappedRowSet source, int[] rows) : IRowSet
{
    public int Count => rows.Length;
    public int FieldCount => source.FieldCount;
    public bool IsJagged => source.IsJagged;
    public int MaxRowEntries => source.MaxRowEntries;

    public void Gather(ReadOnlySpan<int> which, Batch batch)
    {
        // An index outside the view fails on rows[…] (bounds-checked), so no separate pass over the indices.
        source.GatherThrough(which, rows, batch);
    }

    public void Slice(int start, int count, Batch batch)
    {
        source.Check(count, batch);
        if (source.IsJagged)
        {
            batch.OffsetBuffer[0] = 0;
            int written = 0;
            for (int i = 0; i < count; i++) written = source.CopyJaggedRow(rows[start + i], batch, i, written);
        }
        else
        {
            for (int i = 0; i < count; i++) source.CopyRow(rows[start + i], batch, i);
        }
        batch.Size = count;
    }
}
