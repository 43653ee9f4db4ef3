using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;
using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>
/// Encoded rows in a prepared cache file, memory-mapped: no re-parsing, and row views that read straight from the
/// mapping. The row sets are valid until this object is disposed; after that, reading them (or <see cref="TagOf"/>)
/// throws <see cref="ObjectDisposedException"/>, while <see cref="IRowSet.Count"/>, <see cref="IRowSet.FieldCount"/>,
/// <see cref="FeatureMap"/> and the other managed members keep working.
/// </summary>
public sealed unsafe class PreparedData : IDisposable
{
    private readonly MemoryMappedFile _mmf;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly string? _deleteOnDispose;
    // Shared with the row sets, which check it before using their pointers into the view.
    private readonly MappingLifetime _lifetime;

    private PreparedData(MemoryMappedFile mmf, MemoryMappedViewAccessor view, byte* basePtr, CacheHeader header, FeatureMap map,
        string cachePath, string? deleteOnDispose)
    {
        _mmf = mmf;
        _view = view;
        _base = basePtr;
        _deleteOnDispose = deleteOnDispose;
        _lifetime = new MappingLifetime(cachePath);
        FilePath = cachePath;
        Header = header;
        FeatureMap = map;
        var layout = header.Layout;
        long* offsets = header.IsJagged ? (long*)(basePtr + layout.Offsets) : null;
        int maxRowEntries = header.IsJagged ? CheckOffsets(offsets, header, Path.GetFileName(cachePath)) : header.FieldCount;
        var all = new MappedRowSet((int)header.RowCount, header.FieldCount, basePtr + layout.Labels, basePtr + layout.Ids,
            header.HasValues ? basePtr + layout.Values : null, _lifetime, offsets, maxRowEntries);
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

    /// <summary>Checks a jagged cache's slot offsets (from 0, non-decreasing, ending at the entry count) so that no
    /// gather can read outside the entries, whatever the file holds; returns the most entries of any row.</summary>
    private static int CheckOffsets(long* offsets, CacheHeader header, string name)
    {
        long slots = header.RowCount * header.FieldCount;
        if (offsets[0] != 0 || offsets[slots] != header.EntryCount) throw Corrupt(name, "row offsets do not span the entries");
        long widest = 0;
        for (long r = 0; r < header.RowCount; r++)
        {
            long* o = offsets + r * header.FieldCount;
            for (int f = 0; f < header.FieldCount; f++)
                if (o[f + 1] < o[f]) throw Corrupt(name, $"row offsets decrease at row {r}, field {f}");
            widest = Math.Max(widest, o[header.FieldCount] - o[0]);
        }
        if (widest > int.MaxValue / Math.Max(1, header.FieldCount)) throw Corrupt(name, "a row holds more entries than a batch can");
        return (int)widest;
    }

    /// <summary>Checks that labels are 0 or 1, tags name a split and ids lie in the feature map. The checksum finds
    /// damage but is no signature: a crafted file can match it, and the split views, the gathers and the embedding
    /// lookups index by these values without bounds checks.</summary>
    private static void CheckEntries(byte* basePtr, CacheHeader header, int featureCount, string name)
    {
        var l = header.Layout;
        int rows = (int)header.RowCount;
        if (new ReadOnlySpan<byte>(basePtr + l.Tags, rows).IndexOfAnyExceptInRange((byte)0, (byte)2) >= 0)
            throw Corrupt(name, "a row has an unknown split tag");
        var labels = new ReadOnlySpan<uint>(basePtr + l.Labels, rows);
        if (labels.IndexOfAnyExcept(0u, BitConverter.SingleToUInt32Bits(1f)) >= 0) throw Corrupt(name, "a label is not 0 or 1");
        int* ids = (int*)(basePtr + l.Ids);
        const int Chunk = 1 << 28;
        for (long at = 0; at < header.EntryCount; at += Chunk)
        {
            var span = new ReadOnlySpan<int>(ids + at, (int)Math.Min(Chunk, header.EntryCount - at));
            if (span.IndexOfAnyExceptInRange(0, featureCount - 1) >= 0) throw Corrupt(name, "an id lies outside the feature map");
        }
    }

    internal CacheHeader Header { get; }

    /// <summary>The path the cache was opened from (it may no longer exist: temporary caches are unlinked once mapped).</summary>
    internal string FilePath { get; }

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
    /// <exception cref="ObjectDisposedException">This object has been disposed.</exception>
    public SplitTag TagOf(int row)
    {
        _lifetime.ThrowIfDisposed();
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
            if (verify && (header.ComputeChecksum(ptr) != header.Checksum || !header.PaddingIsZero(ptr)))
                throw Corrupt(name, "payload does not match its checksum");
            FeatureMap map;
            using (var ums = new UnmanagedMemoryStream(ptr + CacheHeader.Size, header.MapLength))
            using (var r = new BinaryReader(ums, Encoding.UTF8))
                map = FeatureMap.Read(r);
            if (map.Hash != header.MapHash || map.FieldCount != header.FieldCount) throw Corrupt(name, "feature map does not match the header");
            if (verify) CheckEntries(ptr, header, map.FeatureCount, name);
            return new PreparedData(mmf, view, ptr, header, map, cachePath, deleteOnDispose);
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

    /// <summary>Unmaps the file (and deletes it when it was a temporary cache); calling it again does nothing.</summary>
    /// <remarks>Calls on the row sets or <see cref="TagOf"/> made afterwards throw <see cref="ObjectDisposedException"/>.
    /// Disposing while another thread is still gathering from a row set is a caller error: that call may already be
    /// past its check and read unmapped memory.</remarks>
    public void Dispose()
    {
        // Flagged before the view goes, so a later call fails its check rather than reading the released view.
        if (!_lifetime.MarkDisposed()) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _mmf.Dispose();
        if (_deleteOnDispose is not null)
        {
            try { File.Delete(_deleteOnDispose); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
