using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;
using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>The fixed 128-byte cache header (little-endian).</summary>
internal sealed record CacheHeader
{
    /// <summary>Header size, and the newest format version. Version 2 added <see cref="FlagNoValues"/>; version 3 added
    /// jagged caches (<see cref="FlagJagged"/>, <see cref="EntryCount"/>) and is written only for them, so a fixed-width
    /// cache is byte for byte what version 2 wrote. Older versions still open; an older reader refuses a newer
    /// version with a clear message.</summary>
    public const int Size = 128, Version = 3;

    /// <summary>The version a cache with <paramref name="flags"/> is written as: the oldest that can hold it.</summary>
    public static int VersionFor(int flags) => (flags & FlagJagged) != 0 ? 3 : 2;
    public static ReadOnlySpan<byte> Magic => "DFMCACHE"u8;

    /// <summary>The header fields a prepared cache takes from its source, options and split (what staleness checks).</summary>
    public static CacheHeader ForPrepare(DataOptions options, SplitOptions split, FileInfo source) => new()
    {
        Format = options.Format,
        OptionsFingerprint = options.Fingerprint(),
        SourceLength = source.Length,
        SourceWriteTicks = source.LastWriteTimeUtc.Ticks,
        ValidFraction = split.ValidFraction,
        TestFraction = split.TestFraction,
        Seed = split.Seed,
    };

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

    /// <summary>Entries in the ids (and values) sections: always <c>RowCount·FieldCount</c> unless jagged.</summary>
    public long EntryCount { get => IsJagged ? _entryCount : RowCount * FieldCount; init => _entryCount = value; }

    private readonly long _entryCount;

    /// <summary>Set for validation/test files encoded with an existing map (such a cache is not a training cache).</summary>
    public const int FlagEncodedWithMap = 1;

    /// <summary>Set when every value is 1: the file has no values section and readers supply 1s.</summary>
    public const int FlagNoValues = 2;

    /// <summary>Set for a jagged cache: fields hold any number of entries, located by the offsets section.</summary>
    public const int FlagJagged = 4;

    public bool HasValues => (Flags & FlagNoValues) == 0;

    public bool IsJagged => (Flags & FlagJagged) != 0;

    public CacheLayout Layout => CacheLayout.Compute(MapLength, RowCount, FieldCount, HasValues, IsJagged ? EntryCount : null);

    public void WriteTo(Span<byte> b)
    {
        b[..Size].Clear();
        Magic.CopyTo(b);
        int version = VersionFor(Flags);
        BinaryPrimitives.WriteInt32LittleEndian(b[8..], version);
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
        if (version >= 3) BinaryPrimitives.WriteInt64LittleEndian(b[120..], EntryCount);
        BinaryPrimitives.WriteUInt64LittleEndian(b[112..], HeaderHash(b, version));
    }

    /// <summary>Hash of the header's fields: bytes [0, 112), and from version 3 also the entry count at [120, 128).</summary>
    internal static ulong HeaderHash(ReadOnlySpan<byte> b, int version)
    {
        if (version < 3) return XxHash64.HashToUInt64(b[..112]);
        var h = new XxHash64();
        h.Append(b[..112]);
        h.Append(b[120..128]);
        return h.GetCurrentHashAsUInt64();
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
        // Before version 3 the last 8 bytes are unused and written as zeros; the header hash does not cover them, so
        // they are checked here: a damaged byte is refused even where it would change nothing.
        if (BinaryPrimitives.ReadUInt64LittleEndian(b[112..]) != HeaderHash(b, version)
            || version < 3 && b[120..].IndexOfAnyExcept((byte)0) >= 0)
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
        if (version >= 3) h = h with { EntryCount = BinaryPrimitives.ReadInt64LittleEndian(b[120..]) };
        if (h.IsJagged != (version >= 3) || h.EntryCount < 0)
            throw PreparedData.Corrupt(name, "header holds impossible sizes");
        if (h.RowCount is < 0 or > int.MaxValue || h.FieldCount <= 0 || h.MapLength <= 0 || h.MapLength > int.MaxValue)
            throw PreparedData.Corrupt(name, "header holds impossible sizes");
        try { _ = h.Layout; }
        catch (OverflowException) { throw PreparedData.Corrupt(name, "header holds impossible sizes"); }
        return h;
    }

    /// <summary>Checksum of the payload: a hash over the per-section hashes, so the writer can hash while streaming.</summary>
    public static ulong Combine(ReadOnlySpan<ulong> sectionHashes) => XxHash64.HashToUInt64(MemoryMarshal.AsBytes(sectionHashes));

    public unsafe ulong ComputeChecksum(byte* basePtr)
    {
        var l = Layout;
        // Five sections, and the offsets section as a sixth in a jagged cache.
        Span<ulong> h = stackalloc ulong[IsJagged ? 6 : 5];
        h[0] = HashRange(basePtr + l.Map, MapLength);
        h[1] = HashRange(basePtr + l.Labels, 4 * RowCount);
        h[2] = HashRange(basePtr + l.Tags, RowCount);
        h[3] = HashRange(basePtr + l.Ids, 4 * EntryCount);
        h[4] = HashRange(basePtr + l.Values, l.Total - l.Values);
        if (IsJagged) h[5] = HashRange(basePtr + l.Offsets, l.Ids - l.Offsets);
        return Combine(h);
    }

    /// <summary>True when the alignment gaps after the map and after the tags, which no section hash covers, hold the
    /// zeros the writer left there: damage there changes nothing read, but a damaged file is refused all the same.</summary>
    public unsafe bool PaddingIsZero(byte* basePtr)
    {
        var l = Layout;
        long mapEnd = l.Map + MapLength, tagsEnd = l.Tags + RowCount;
        return new ReadOnlySpan<byte>(basePtr + mapEnd, (int)(l.Labels - mapEnd)).IndexOfAnyExcept((byte)0) < 0
            && new ReadOnlySpan<byte>(basePtr + tagsEnd, (int)(l.Offsets - tagsEnd)).IndexOfAnyExcept((byte)0) < 0;
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
