using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;
using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>Row set over memory-mapped sections; offsets in long so row × field may exceed 2³¹. Every public entry point
/// goes through <see cref="Check"/>, which fails once the owning <see cref="PreparedData"/> is disposed, before any
/// pointer is read.</summary>
internal sealed unsafe class MappedRowSet : IRowSet
{
    private readonly float* _labels;
    private readonly int* _ids;
    private readonly float* _values;
    private readonly long* _offsets;
    private readonly MappingLifetime _lifetime;

    /// <summary>Views the sections; <paramref name="values"/> is null when every value is 1 (no values section), and
    /// <paramref name="offsets"/> null for fixed-width rows (else <c>count·fieldCount + 1</c> slot offsets, already
    /// checked: from 0, non-decreasing, within the entries). The pointers are valid while <paramref name="lifetime"/>
    /// is not disposed.</summary>
    public MappedRowSet(int count, int fieldCount, byte* labels, byte* ids, byte* values, MappingLifetime lifetime,
        long* offsets = null, int maxRowEntries = 0)
    {
        _lifetime = lifetime;
        Count = count;
        FieldCount = fieldCount;
        _labels = (float*)labels;
        _ids = (int*)ids;
        _values = (float*)values;
        _offsets = offsets;
        MaxRowEntries = offsets == null ? fieldCount : maxRowEntries;
    }

    public int Count { get; }
    public int FieldCount { get; }
    public bool IsJagged => _offsets != null;
    public int MaxRowEntries { get; }

    /// <summary>Copies jagged row <paramref name="row"/> into batch row <paramref name="slot"/>, its entries from
    /// <paramref name="written"/> on; returns the batch's entry count after it. Unchecked for disposal, as CopyRow.</summary>
    internal int CopyJaggedRow(int row, Batch batch, int slot, int written)
    {
        if ((uint)row >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(row));
        int m = FieldCount;
        long* o = _offsets + (long)row * m;
        long first = o[0];
        int n = (int)(o[m] - first);
        batch.EnsureEntryCapacity(checked(written + n));
        new ReadOnlySpan<int>(_ids + first, n).CopyTo(batch.IdBuffer.AsSpan(written, n));
        if (_values != null) new ReadOnlySpan<float>(_values + first, n).CopyTo(batch.ValueBuffer.AsSpan(written, n));
        else batch.ValueBuffer.AsSpan(written, n).Fill(1f);
        var offsets = batch.OffsetBuffer;
        for (int f = 0; f < m; f++) offsets[slot * m + f + 1] = written + (int)(o[f + 1] - first);
        batch.LabelBuffer[slot] = _labels[row];
        return written + n;
    }

    // Per row, so unchecked for disposal: callers have called Check for the whole call first.
    internal void CopyRow(int row, Batch batch, int slot)
    {
        if ((uint)row >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(row));
        int m = FieldCount;
        long src = (long)row * m;
        new ReadOnlySpan<int>(_ids + src, m).CopyTo(batch.IdBuffer.AsSpan(slot * m, m));
        if (_values != null) new ReadOnlySpan<float>(_values + src, m).CopyTo(batch.ValueBuffer.AsSpan(slot * m, m));
        else batch.ValueBuffer.AsSpan(slot * m, m).Fill(1f);
        batch.LabelBuffer[slot] = _labels[row];
    }

    public void Gather(ReadOnlySpan<int> rows, Batch batch) => GatherThrough(rows, null, batch);

    /// <summary>Copies rows <c>indirect[rows[i]]</c> (or <c>rows[i]</c>) into batch slot i, on both cores for large
    /// batches: slots are disjoint, so the split does not change the batch.</summary>
    internal void GatherThrough(ReadOnlySpan<int> rows, int[]? indirect, Batch batch)
    {
        Check(rows.Length, batch);
        if (IsJagged)
        {
            // Each row's entries start where the previous row's end: one pass, in order.
            batch.OffsetBuffer[0] = 0;
            int written = 0;
            for (int i = 0; i < rows.Length; i++) written = CopyJaggedRow(indirect is null ? rows[i] : indirect[rows[i]], batch, i, written);
        }
        else if (rows.Length < GatherJob.MinRowsPerPart * 2)
        {
            for (int i = 0; i < rows.Length; i++) CopyRow(indirect is null ? rows[i] : indirect[rows[i]], batch, i);
        }
        else
        {
            // Taken, not shared: two threads gathering from one row set at once each get a job.
            var job = Interlocked.Exchange(ref _gather, null) ?? new GatherJob();
            job.Set(this, rows, indirect, batch);
            Engine.ComputeContext.Default.For(rows.Length, GatherJob.MinRowsPerPart, job);
            job.Clear();
            _gather = job;
        }
        batch.Size = rows.Length;
    }

    private GatherJob? _gather;

    /// <summary>Batch slots [start, end) of a gather; the row indices are copied in (a span cannot be kept).</summary>
    private sealed class GatherJob : Engine.RangeJob
    {
        public const int MinRowsPerPart = 512;
        private MappedRowSet _source = null!;
        private int[] _rows = [];
        private int[]? _indirect;
        private Batch? _batch;

        public void Set(MappedRowSet source, ReadOnlySpan<int> rows, int[]? indirect, Batch batch)
        {
            if (_rows.Length < rows.Length) _rows = new int[rows.Length];
            rows.CopyTo(_rows);
            (_source, _indirect, _batch) = (source, indirect, batch);
        }

        public void Clear() => (_indirect, _batch) = (null, null);

        public override void Run(int start, int end)
        {
            for (int i = start; i < end; i++) _source.CopyRow(_indirect is null ? _rows[i] : _indirect[_rows[i]], _batch!, i);
        }
    }

    public void Slice(int start, int count, Batch batch)
    {
        Check(count, batch);
        if (start < 0 || count < 0 || (long)start + count > Count) throw new ArgumentOutOfRangeException(nameof(start));
        if (IsJagged)
        {
            batch.OffsetBuffer[0] = 0;
            int written = 0;
            for (int i = 0; i < count; i++) written = CopyJaggedRow(start + i, batch, i, written);
            batch.Size = count;
            return;
        }
        long src = (long)start * FieldCount;
        int n = count * FieldCount;
        new ReadOnlySpan<int>(_ids + src, n).CopyTo(batch.IdBuffer);
        if (_values != null) new ReadOnlySpan<float>(_values + src, n).CopyTo(batch.ValueBuffer);
        else batch.ValueBuffer.AsSpan(0, n).Fill(1f);
        new ReadOnlySpan<float>(_labels + start, count).CopyTo(batch.LabelBuffer);
        batch.Size = count;
    }

    /// <summary>Entry check of every call that reads the mapping: once per call (not per row), and before any pointer
    /// is used, so a disposed owner throws <see cref="ObjectDisposedException"/> instead of a read of unmapped memory.</summary>
    internal void Check(int rows, Batch batch)
    {
        _lifetime.ThrowIfDisposed();
        if (rows > batch.Capacity) throw new ArgumentException("More rows than the batch can hold.");
        if (batch.FieldCount != FieldCount) throw new ArgumentException("Batch field count differs from the row set's.");
        if (batch.IsJagged != IsJagged)
            throw new ArgumentException(IsJagged ? "Jagged rows gather into a jagged batch (IRowSet.CreateBatch makes one)." : "Fixed-width rows gather into a fixed-width batch.");
    }
}
