using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;
using DeepFM.Features;

namespace DeepFM.Data;

/// <summary>
/// Encoded rows in a prepared cache file, memory-mapped: no re-parsing, and row views that read straight from the
/// mapping. The row sets are valid until this object is disposed.
/// </summary>
public sealed unsafe class PreparedData : IDisposable
{
    private readonly MemoryMappedFile _mmf;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly string? _deleteOnDispose;
    private bool _disposed;

    private PreparedData(MemoryMappedFile mmf, MemoryMappedViewAccessor view, byte* basePtr, CacheHeader header, FeatureMap map,
        string? deleteOnDispose)
    {
        _mmf = mmf;
        _view = view;
        _base = basePtr;
        _deleteOnDispose = deleteOnDispose;
        Header = header;
        FeatureMap = map;
        var layout = header.Layout;
        var all = new MappedRowSet((int)header.RowCount, header.FieldCount, basePtr + layout.Labels, basePtr + layout.Ids,
            header.HasValues ? basePtr + layout.Values : null);
        All = all;
        // Split views by index indirection; the indices are built once here from the tag section.
        var tags = new ReadOnlySpan<byte>(basePtr + layout.Tags, (int)header.RowCount);
        int[] counts = new int[3];
        foreach (byte t in tags) counts[t]++;
        var idx = new[] { new int[counts[0]], new int[counts[1]], new int[counts[2]] };
        var fill = new int[3];
        for (int i = 0; i < tags.Length; i++) { byte t = tags[i]; idx[t][fill[t]++] = i; }
        Train = counts[0] == tags.Length ? all : new IndexedRowSet(all, idx[0]);
        Valid = counts[1] == tags.Length ? all : new IndexedRowSet(all, idx[1]);
        Test = counts[2] == tags.Length ? all : new IndexedRowSet(all, idx[2]);
    }

    internal CacheHeader Header { get; }

    /// <summary>The path the cache was opened from (it may no longer exist: temporary caches are unlinked once mapped).</summary>
    internal string FilePath { get; private init; } = "";

    /// <summary>The feature map the rows were encoded with.</summary>
    public FeatureMap FeatureMap { get; }

    /// <summary>Number of rows.</summary>
    public int Count => (int)Header.RowCount;

    /// <summary>Fields per row.</summary>
    public int FieldCount => Header.FieldCount;

    /// <summary>Malformed lines skipped while preparing (only with <see cref="DataOptions.SkipBadLines"/>).</summary>
    public long SkippedLines => Header.SkippedLines;

    /// <summary>All rows in file order.</summary>
    public IRowSet All { get; }

    /// <summary>Training rows, in file order.</summary>
    public IRowSet Train { get; }

    /// <summary>Validation rows, in file order.</summary>
    public IRowSet Valid { get; }

    /// <summary>Test rows, in file order (all rows for data encoded with an existing map).</summary>
    public IRowSet Test { get; }

    /// <summary>Split tag of row <paramref name="row"/> of <see cref="All"/>.</summary>
    public SplitTag TagOf(int row)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)Count);
        return (SplitTag)_base[Header.Layout.Tags + row];
    }

    /// <summary>Opens and verifies a cache file; a corrupt, truncated or foreign file raises <see cref="UserInputException"/>.</summary>
    public static PreparedData Open(string cachePath) => Open(cachePath, null);

    // verify: false only for a cache this process has just written (its checksum was computed while writing), to skip
    // reading the whole payload back.
    internal static PreparedData Open(string cachePath, string? deleteOnDispose, bool verify = true)
    {
        string name = Path.GetFileName(cachePath);
        CacheHeader header;
        long length;
        FileStream fs;
        try
        {
            fs = new FileStream(cachePath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (FileNotFoundException e)
        {
            throw new UserInputException($"{cachePath}: cache file not found.", e);
        }
        MemoryMappedFile? mmf = null;
        MemoryMappedViewAccessor? view = null;
        byte* ptr = null;
        try
        {
            length = fs.Length;
            header = CacheHeader.Read(fs, name);
            if (length != header.Layout.Total)
                throw Corrupt(name, $"file is {length} bytes, its header says {header.Layout.Total} (truncated or overwritten)");
            mmf = MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = mmf.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref ptr);
            ptr += view.PointerOffset;
            if (verify && header.ComputeChecksum(ptr) != header.Checksum) throw Corrupt(name, "payload does not match its checksum");
            FeatureMap map;
            using (var ums = new UnmanagedMemoryStream(ptr + CacheHeader.Size, header.MapLength))
            using (var r = new BinaryReader(ums, Encoding.UTF8))
                map = FeatureMap.Read(r);
            if (map.Hash != header.MapHash || map.FieldCount != header.FieldCount) throw Corrupt(name, "feature map does not match the header");
            return new PreparedData(mmf, view, ptr, header, map, deleteOnDispose) { FilePath = cachePath };
        }
        catch
        {
            if (ptr != null) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            if (mmf is not null) mmf.Dispose();
            else fs.Dispose();
            throw;
        }
    }

    internal static UserInputException Corrupt(string name, string why) =>
        new($"{name}: checksum mismatch: {why}. Delete the cache or run prepare again.");

    /// <summary>Unmaps the file (and deletes it when it was a temporary cache).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _mmf.Dispose();
        if (_deleteOnDispose is not null)
        {
            try { File.Delete(_deleteOnDispose); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}

/// <summary>Byte offsets of the cache sections (all long: caches can exceed 2 GiB). The values section is last and
/// empty when every value is 1 (all-categorical data): that halves the file and the memory its mapping pins.</summary>
internal readonly record struct CacheLayout(long Map, long Labels, long Tags, long Ids, long Values, long Total)
{
    public static CacheLayout Compute(long mapLength, long rows, int fields, bool hasValues = true)
    {
        static long Align(long x) => (x + 7) & ~7L;
        long map = CacheHeader.Size;
        long labels = Align(map + mapLength);
        long tags = labels + 4 * rows;
        long ids = Align(tags + rows);
        long values = ids + 4 * rows * fields;
        return new CacheLayout(map, labels, tags, ids, values, values + (hasValues ? 4 * rows * fields : 0));
    }
}

/// <summary>The fixed 128-byte cache header (little-endian).</summary>
internal sealed record CacheHeader
{
    /// <summary>Header size, and the format version written. Version 2 added <see cref="FlagNoValues"/>; version 1 files
    /// (always with a values section) still open, and a version-1 reader refuses version 2 with a clear message.</summary>
    public const int Size = 128, Version = 2;
    public static ReadOnlySpan<byte> Magic => "DFMCACHE"u8;

    public DataFormat Format { get; init; }
    public ulong OptionsFingerprint { get; init; }
    public ulong MapHash { get; init; }
    public long SourceLength { get; init; }
    public long SourceWriteTicks { get; init; }
    public double ValidFraction { get; init; }
    public double TestFraction { get; init; }
    public long Seed { get; init; }
    public long RowCount { get; init; }
    public int FieldCount { get; init; }
    public int Flags { get; init; }
    public long SkippedLines { get; init; }
    public long MapLength { get; init; }
    public ulong Checksum { get; init; }

    /// <summary>Set for validation/test files encoded with an existing map (such a cache is not a training cache).</summary>
    public const int FlagEncodedWithMap = 1;

    /// <summary>Set when every value is 1: the file has no values section and readers supply 1s.</summary>
    public const int FlagNoValues = 2;

    public bool HasValues => (Flags & FlagNoValues) == 0;

    public CacheLayout Layout => CacheLayout.Compute(MapLength, RowCount, FieldCount, HasValues);

    public void WriteTo(Span<byte> b)
    {
        b[..Size].Clear();
        Magic.CopyTo(b);
        BinaryPrimitives.WriteInt32LittleEndian(b[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(b[12..], (int)Format);
        BinaryPrimitives.WriteUInt64LittleEndian(b[16..], OptionsFingerprint);
        BinaryPrimitives.WriteUInt64LittleEndian(b[24..], MapHash);
        BinaryPrimitives.WriteInt64LittleEndian(b[32..], SourceLength);
        BinaryPrimitives.WriteInt64LittleEndian(b[40..], SourceWriteTicks);
        BinaryPrimitives.WriteDoubleLittleEndian(b[48..], ValidFraction);
        BinaryPrimitives.WriteDoubleLittleEndian(b[56..], TestFraction);
        BinaryPrimitives.WriteInt64LittleEndian(b[64..], Seed);
        BinaryPrimitives.WriteInt64LittleEndian(b[72..], RowCount);
        BinaryPrimitives.WriteInt32LittleEndian(b[80..], FieldCount);
        BinaryPrimitives.WriteInt32LittleEndian(b[84..], Flags);
        BinaryPrimitives.WriteInt64LittleEndian(b[88..], SkippedLines);
        BinaryPrimitives.WriteInt64LittleEndian(b[96..], MapLength);
        BinaryPrimitives.WriteUInt64LittleEndian(b[104..], Checksum);
        BinaryPrimitives.WriteUInt64LittleEndian(b[112..], XxHash64.HashToUInt64(b[..112]));
    }

    /// <summary>Reads and checks the header; throws <see cref="UserInputException"/> naming the file.</summary>
    public static CacheHeader Read(Stream s, string name)
    {
        Span<byte> b = stackalloc byte[Size];
        s.Position = 0;
        if (s.ReadAtLeast(b, Size, throwOnEndOfStream: false) < Size)
            throw PreparedData.Corrupt(name, "file is shorter than the header (truncated)");
        if (!b[..8].SequenceEqual(Magic)) throw PreparedData.Corrupt(name, "wrong magic number (not a DeepFM cache)");
        int version = BinaryPrimitives.ReadInt32LittleEndian(b[8..]);
        if (version is < 1 or > Version) throw new UserInputException($"{name}: cache format version {version}, expected 1 to {Version}; run prepare again.");
        if (BinaryPrimitives.ReadUInt64LittleEndian(b[112..]) != XxHash64.HashToUInt64(b[..112]))
            throw PreparedData.Corrupt(name, "header is damaged");
        var h = new CacheHeader
        {
            Format = (DataFormat)BinaryPrimitives.ReadInt32LittleEndian(b[12..]),
            OptionsFingerprint = BinaryPrimitives.ReadUInt64LittleEndian(b[16..]),
            MapHash = BinaryPrimitives.ReadUInt64LittleEndian(b[24..]),
            SourceLength = BinaryPrimitives.ReadInt64LittleEndian(b[32..]),
            SourceWriteTicks = BinaryPrimitives.ReadInt64LittleEndian(b[40..]),
            ValidFraction = BinaryPrimitives.ReadDoubleLittleEndian(b[48..]),
            TestFraction = BinaryPrimitives.ReadDoubleLittleEndian(b[56..]),
            Seed = BinaryPrimitives.ReadInt64LittleEndian(b[64..]),
            RowCount = BinaryPrimitives.ReadInt64LittleEndian(b[72..]),
            FieldCount = BinaryPrimitives.ReadInt32LittleEndian(b[80..]),
            Flags = BinaryPrimitives.ReadInt32LittleEndian(b[84..]),
            SkippedLines = BinaryPrimitives.ReadInt64LittleEndian(b[88..]),
            MapLength = BinaryPrimitives.ReadInt64LittleEndian(b[96..]),
            Checksum = BinaryPrimitives.ReadUInt64LittleEndian(b[104..]),
        };
        if (h.RowCount is < 0 or > int.MaxValue || h.FieldCount <= 0 || h.MapLength <= 0 || h.MapLength > int.MaxValue)
            throw PreparedData.Corrupt(name, "header holds impossible sizes");
        return h;
    }

    /// <summary>Checksum of the payload: a hash over the per-section hashes, so the writer can hash while streaming.</summary>
    public static ulong Combine(ReadOnlySpan<ulong> sectionHashes) => XxHash64.HashToUInt64(MemoryMarshal.AsBytes(sectionHashes));

    public unsafe ulong ComputeChecksum(byte* basePtr)
    {
        var l = Layout;
        Span<ulong> h = stackalloc ulong[5];
        h[0] = HashRange(basePtr + l.Map, MapLength);
        h[1] = HashRange(basePtr + l.Labels, 4 * RowCount);
        h[2] = HashRange(basePtr + l.Tags, RowCount);
        h[3] = HashRange(basePtr + l.Ids, 4 * RowCount * FieldCount);
        h[4] = HashRange(basePtr + l.Values, l.Total - l.Values);
        return Combine(h);
    }

    private static unsafe ulong HashRange(byte* p, long length)
    {
        var x = new XxHash3();
        const int Chunk = 1 << 30;
        for (long off = 0; off < length; off += Chunk)
            x.Append(new ReadOnlySpan<byte>(p + off, (int)Math.Min(Chunk, length - off)));
        return x.GetCurrentHashAsUInt64();
    }
}

/// <summary>Row set over memory-mapped sections; offsets in long so row × field may exceed 2³¹.</summary>
internal sealed unsafe class MappedRowSet : IRowSet
{
    private readonly float* _labels;
    private readonly int* _ids;
    private readonly float* _values;

    /// <summary>Views the sections; <paramref name="values"/> is null when every value is 1 (no values section).</summary>
    public MappedRowSet(int count, int fieldCount, byte* labels, byte* ids, byte* values)
    {
        Count = count;
        FieldCount = fieldCount;
        _labels = (float*)labels;
        _ids = (int*)ids;
        _values = (float*)values;
    }

    public int Count { get; }
    public int FieldCount { get; }

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
        if (rows.Length < GatherJob.MinRowsPerPart * 2)
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
        long src = (long)start * FieldCount;
        int n = count * FieldCount;
        new ReadOnlySpan<int>(_ids + src, n).CopyTo(batch.IdBuffer);
        if (_values != null) new ReadOnlySpan<float>(_values + src, n).CopyTo(batch.ValueBuffer);
        else batch.ValueBuffer.AsSpan(0, n).Fill(1f);
        new ReadOnlySpan<float>(_labels + start, count).CopyTo(batch.LabelBuffer);
        batch.Size = count;
    }

    internal void Check(int rows, Batch batch)
    {
        if (rows > batch.Capacity) throw new ArgumentException("More rows than the batch can hold.");
        if (batch.FieldCount != FieldCount) throw new ArgumentException("Batch field count differs from the row set's.");
    }
}

/// <summary>A subset of a <see cref="MappedRowSet"/> through an index array (a split view).</summary>
internal sealed class IndexedRowSet(MappedRowSet source, int[] rows) : IRowSet
{
    public int Count => rows.Length;
    public int FieldCount => source.FieldCount;

    public void Gather(ReadOnlySpan<int> which, Batch batch)
    {
        // An index outside the view fails on rows[…] (bounds-checked), so no separate pass over the indices.
        source.GatherThrough(which, rows, batch);
    }

    public void Slice(int start, int count, Batch batch)
    {
        source.Check(count, batch);
        for (int i = 0; i < count; i++) source.CopyRow(rows[start + i], batch, i);
        batch.Size = count;
    }
}
