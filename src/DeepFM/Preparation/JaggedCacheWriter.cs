using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>
/// Writes rows with multi-valued fields (<see cref="JaggedRowSet"/>) as a prepared cache that
/// <see cref="PreparedData.Open(string)"/> maps like any other: the version-3 layout, with the slot offsets as their
/// own section (<see cref="CacheLayout"/>). The rows are in memory already, so this writes each section whole; the
/// streaming two-pass writer of <see cref="DataPipeline"/> stays the fixed-width path. Temporary name, fsync, rename:
/// a crash leaves no half-written cache under the real name.
/// </summary>
internal static class JaggedCacheWriter
{
    /// <summary>Writes <paramref name="rows"/>, encoded with <paramref name="map"/>, with split tags
    /// <paramref name="tags"/> (one per row), to <paramref name="cachePath"/>.</summary>
    public static void Write(string cachePath, FeatureMap map, JaggedRowSet rows, ReadOnlySpan<byte> tags, DataFormat format) =>
        Write(cachePath, map, rows, tags, new CacheHeader { Format = format });

    /// <summary>As <see cref="Write(string, FeatureMap, JaggedRowSet, ReadOnlySpan{byte}, DataFormat)"/>, the header
    /// taking its source, options and split fields from <paramref name="basis"/> (so the cache can be checked for
    /// staleness like any prepared one).</summary>
    public static void Write(string cachePath, FeatureMap map, JaggedRowSet rows, ReadOnlySpan<byte> tags, CacheHeader basis)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.FieldCount != map.FieldCount) throw new ArgumentException("The rows' field count differs from the map's.", nameof(rows));
        if (tags.Length != rows.Count) throw new ArgumentException("One split tag per row.", nameof(tags));
        foreach (byte t in tags) if (t > (byte)SplitTag.Test) throw new ArgumentException($"Split tag {t} is not a SplitTag.", nameof(tags));

        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true)) map.Write(w);
        byte[] mapBytes = ms.ToArray();
        bool hasValues = rows.Values.IndexOfAnyExcept(1f) >= 0;
        var header = basis with
        {
            MapHash = map.Hash,
            RowCount = rows.Count,
            FieldCount = rows.FieldCount,
            Flags = (basis.Flags & CacheHeader.FlagEncodedWithMap) | CacheHeader.FlagJagged | (hasValues ? 0 : CacheHeader.FlagNoValues),
            MapLength = mapBytes.Length,
            EntryCount = rows.Ids.Length,
        };
        var labels = MemoryMarshal.AsBytes(rows.Labels);
        var offsets = MemoryMarshal.AsBytes(rows.Offsets);
        var ids = MemoryMarshal.AsBytes(rows.Ids);
        var values = hasValues ? MemoryMarshal.AsBytes(rows.Values) : [];
        Span<ulong> hashes =
        [
            XxHash3.HashToUInt64(mapBytes), XxHash3.HashToUInt64(labels), XxHash3.HashToUInt64(tags),
            XxHash3.HashToUInt64(ids), XxHash3.HashToUInt64(values), XxHash3.HashToUInt64(offsets),
        ];
        header = header with { Checksum = CacheHeader.Combine(hashes) };
        var layout = header.Layout;

        string full = Path.GetFullPath(cachePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string tmp = DeepFM.IO.TempFiles.NewPath(full);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
            {
                fs.SetLength(layout.Total);
                var hb = new byte[CacheHeader.Size];
                header.WriteTo(hb);
                WriteAt(fs, 0, hb);
                WriteAt(fs, layout.Map, mapBytes);
                WriteAt(fs, layout.Labels, labels);
                WriteAt(fs, layout.Tags, tags);
                WriteAt(fs, layout.Offsets, offsets);
                WriteAt(fs, layout.Ids, ids);
                WriteAt(fs, layout.Values, values);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { }
            throw;
        }
    }

    private static void WriteAt(FileStream fs, long position, ReadOnlySpan<byte> bytes)
    {
        fs.Position = position;
        fs.Write(bytes);
    }
}
