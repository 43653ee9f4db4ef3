using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using DeepFM.Features;

namespace DeepFM.Data;

/// <summary>
/// Turns raw text files into encoded rows: a prepared, memory-mapped cache for training (vocabularies built on the
/// training split only), the same for extra files encoded with an existing map, or a cache-free batch stream.
/// </summary>
public static class DataPipeline
{
    private const int FlagEncodedWithMap = CacheHeader.FlagEncodedWithMap;
    private const int Chunk = 4096;

    /// <summary>
    /// Reads <paramref name="dataPath"/> twice — pass 1 counts values on training rows and builds the feature map,
    /// pass 2 encodes every row into <paramref name="cachePath"/> (written to a temporary file, then moved into place) —
    /// and opens the result.
    /// </summary>
    public static PreparedData Prepare(string dataPath, string cachePath, DataOptions options, SplitOptions split)
    {
        options.Validate();
        split.Validate();
        var source = Stat(dataPath);
        FeatureMap map;
        long rows = 0, trainRows = 0, skipped;
        using (var rr = RowReader.Open(dataPath, options.Format, options.CsvSchema, options.LibsvmFieldMap, null, options.SkipBadLines))
        {
            var builder = new FeatureMapBuilder(rr.Fields, options.NumericEncoding);
            while (rr.Next())
            {
                if (split.Assign(rr.RowIndex) == SplitTag.Train) { builder.Count(rr.Row); trainRows++; }
                rows++;
            }
            skipped = rr.Skipped;
            CheckRows(dataPath, rows, skipped);
            if (trainRows == 0) throw new UserInputException($"{dataPath}: the split leaves no training rows.");
            map = builder.Build(options.MinCount, options.Format, options.CsvSchema, options.LibsvmFieldMap);
        }
        var header = new CacheHeader
        {
            Format = options.Format,
            OptionsFingerprint = options.Fingerprint(),
            SourceLength = source.Length,
            SourceWriteTicks = source.LastWriteTimeUtc.Ticks,
            ValidFraction = split.ValidFraction,
            TestFraction = split.TestFraction,
            Seed = split.Seed,
            RowCount = rows,
            FieldCount = map.FieldCount,
            SkippedLines = skipped,
        };
        WriteCache(dataPath, cachePath, map, header, options.SkipBadLines, split.Assign);
        return PreparedData.Open(cachePath, null, verify: false);
    }

    /// <summary>Opens an existing cache; see <see cref="PreparedData.Open(string)"/>.</summary>
    public static PreparedData Open(string cachePath) => PreparedData.Open(cachePath);

    /// <summary>
    /// Opens <paramref name="cachePath"/> when it was prepared from the current <paramref name="dataPath"/> (same length and
    /// write time) with the same options and split; otherwise — stale, corrupt or missing — prepares it again. Without the
    /// data file, the cache is opened as it is.
    /// </summary>
    public static PreparedData OpenOrPrepare(string dataPath, string cachePath, DataOptions options, SplitOptions split)
    {
        if (File.Exists(cachePath))
        {
            if (!File.Exists(dataPath)) return PreparedData.Open(cachePath);
            if (IsCurrent(cachePath, dataPath, options, split))
            {
                try { return PreparedData.Open(cachePath); }
                catch (UserInputException) { /* corrupt: rebuild below from the source */ }
            }
        }
        return Prepare(dataPath, cachePath, options, split);
    }

    /// <summary>True when the cache header matches the data file's length and write time, the options and the split.</summary>
    public static bool IsCurrent(string cachePath, string dataPath, DataOptions options, SplitOptions split)
    {
        try
        {
            CacheHeader h;
            using (var fs = new FileStream(cachePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                h = CacheHeader.Read(fs, Path.GetFileName(cachePath));
            var src = new FileInfo(dataPath);
            return src.Exists && (h.Flags & FlagEncodedWithMap) == 0 && h.Format == options.Format && h.OptionsFingerprint == options.Fingerprint()
                   && h.SourceLength == src.Length && h.SourceWriteTicks == src.LastWriteTimeUtc.Ticks
                   && h.ValidFraction == split.ValidFraction && h.TestFraction == split.TestFraction && h.Seed == split.Seed;
        }
        catch (Exception e) when (e is UserInputException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Encodes a separate file (validation, test) with an existing map; every row is tagged <see cref="SplitTag.Test"/>,
    /// so <see cref="PreparedData.All"/> and <see cref="PreparedData.Test"/> hold all rows. With a null
    /// <paramref name="cachePath"/> the cache is a temporary file deleted on dispose.
    /// </summary>
    public static PreparedData EncodeWith(string dataPath, FeatureMap map, string? cachePath, bool skipBadLines = false)
    {
        var source = Stat(dataPath);
        long rows = 0, skipped;
        using (var rr = OpenWithMap(dataPath, map, skipBadLines))
        {
            while (rr.Next()) rows++;
            skipped = rr.Skipped;
        }
        CheckRows(dataPath, rows, skipped);
        var header = new CacheHeader
        {
            Format = map.Format,
            SourceLength = source.Length,
            SourceWriteTicks = source.LastWriteTimeUtc.Ticks,
            RowCount = rows,
            FieldCount = map.FieldCount,
            Flags = FlagEncodedWithMap,
            SkippedLines = skipped,
        };
        bool temp = cachePath is null;
        cachePath ??= Path.Combine(Path.GetTempPath(), $"deepfm-{Guid.NewGuid():N}.cache");
        WriteCache(dataPath, cachePath, map, header, skipBadLines, _ => SplitTag.Test);
        try
        {
            return PreparedData.Open(cachePath, temp ? cachePath : null, verify: false);
        }
        catch when (temp)
        {
            File.Delete(cachePath);
            throw;
        }
    }

    /// <summary>
    /// Streams a raw file encoded with <paramref name="map"/> in batches of up to <paramref name="batchSize"/> rows, in
    /// input order, without a cache. The SAME <see cref="Batch"/> object is yielded every time and overwritten by the
    /// next step: consume (or copy) it before moving on. With <paramref name="hasLabels"/> false the file may lack the
    /// label (Criteo: 39 columns; CSV: no label column; libsvm: rows starting with a feature) and labels read as 0.
    /// </summary>
    public static IEnumerable<Batch> StreamBatches(string dataPath, FeatureMap map, int batchSize, bool skipBadLines = false,
        bool hasLabels = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentNullException.ThrowIfNull(map);
        if (!File.Exists(dataPath)) throw new UserInputException($"{dataPath}: file not found.");
        return Stream(dataPath, map, batchSize, skipBadLines, hasLabels);
    }

    private static IEnumerable<Batch> Stream(string dataPath, FeatureMap map, int batchSize, bool skipBadLines, bool hasLabels)
    {
        using var rr = OpenWithMap(dataPath, map, skipBadLines, hasLabels);
        var batch = new Batch(batchSize, map.FieldCount);
        int m = map.FieldCount, n = 0;
        while (rr.Next())
        {
            map.EncodeRow(rr.Row, batch.IdBuffer.AsSpan(n * m, m), batch.ValueBuffer.AsSpan(n * m, m));
            batch.LabelBuffer[n] = rr.Row.Label;
            if (++n == batchSize)
            {
                batch.Size = n;
                yield return batch;
                n = 0;
            }
        }
        if (n > 0)
        {
            batch.Size = n;
            yield return batch;
        }
    }

    private static RowReader OpenWithMap(string dataPath, FeatureMap map, bool skipBadLines, bool labeled = true) =>
        RowReader.Open(dataPath, map.Format, map.CsvSchema, map.LibsvmFieldMap, map.Specs, skipBadLines, labeled);

    private static FileInfo Stat(string dataPath)
    {
        var fi = new FileInfo(dataPath);
        if (!fi.Exists) throw new UserInputException($"{dataPath}: file not found.");
        return fi;
    }

    private static void CheckRows(string dataPath, long rows, long skipped)
    {
        if (rows == 0)
            throw new UserInputException(skipped > 0
                ? $"{Path.GetFileName(dataPath)}: no valid data rows ({skipped} malformed lines skipped)."
                : $"{Path.GetFileName(dataPath)}: empty file (no data rows).");
        if (rows > int.MaxValue) throw new UserInputException($"{dataPath}: {rows} rows; at most {int.MaxValue} are supported.");
    }

    /// <summary>Pass 2: encodes every row into a temporary file next to the cache, then moves it into place.</summary>
    private static void WriteCache(string dataPath, string cachePath, FeatureMap map, CacheHeader header, bool skipBadLines,
        Func<long, SplitTag> tagOf)
    {
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true)) map.Write(w);
        byte[] mapBytes = ms.ToArray();
        header = header with { MapHash = map.Hash, MapLength = mapBytes.Length };
        var layout = header.Layout;
        string full = Path.GetFullPath(cachePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string tmp = $"{full}.tmp-{Guid.NewGuid():N}";
        try
        {
            using (var head = new FileStream(tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite))
            {
                head.SetLength(layout.Total);
                Span<ulong> hashes = stackalloc ulong[5];
                hashes[0] = XxHash3.HashToUInt64(mapBytes);
                using (var labels = new SectionWriter(tmp, layout.Labels))
                using (var tags = new SectionWriter(tmp, layout.Tags))
                using (var ids = new SectionWriter(tmp, layout.Ids))
                using (var rr = OpenWithMap(dataPath, map, skipBadLines))
                {
                    int m = map.FieldCount;
                    var idBuf = new int[Chunk * m];
                    var valBuf = new float[Chunk * m];
                    var labBuf = new float[Chunk];
                    var tagBuf = new byte[Chunk];
                    // The values section is written only once a value other than 1 appears (the 1s before it are
                    // written then); all-categorical data gets no values section at all.
                    SectionWriter? values = null;
                    long rows = 0;
                    int n = 0;
                    try
                    {
                        while (rr.Next())
                        {
                            if (rows + n >= header.RowCount) throw Changed(dataPath);
                            map.EncodeRow(rr.Row, idBuf.AsSpan(n * m, m), valBuf.AsSpan(n * m, m));
                            labBuf[n] = rr.Row.Label;
                            tagBuf[n] = (byte)tagOf(rr.RowIndex);
                            if (++n == Chunk) { Flush(); rows += n; n = 0; }
                        }
                        Flush();
                        rows += n;
                        if (rows != header.RowCount) throw Changed(dataPath);
                        hashes[1] = labels.Finish();
                        hashes[2] = tags.Finish();
                        hashes[3] = ids.Finish();
                        if (values is not null) hashes[4] = values.Finish();
                        else
                        {
                            header = header with { Flags = header.Flags | CacheHeader.FlagNoValues };
                            hashes[4] = new XxHash3().GetCurrentHashAsUInt64();   // the empty section
                            head.SetLength(header.Layout.Total);
                        }
                    }
                    finally { values?.Dispose(); }

                    void Flush()
                    {
                        labels.Write<float>(labBuf.AsSpan(0, n));
                        tags.Write<byte>(tagBuf.AsSpan(0, n));
                        ids.Write<int>(idBuf.AsSpan(0, n * m));
                        var chunk = valBuf.AsSpan(0, n * m);
                        if (values is null && chunk.IndexOfAnyExcept(1f) >= 0)
                        {
                            values = new SectionWriter(tmp, layout.Values);
                            var ones = new float[Chunk * m];
                            ones.AsSpan().Fill(1f);
                            for (long left = rows * m; left > 0; left -= ones.Length)
                                values.Write<float>(ones.AsSpan(0, (int)Math.Min(ones.Length, left)));
                        }
                        values?.Write<float>(chunk);
                    }
                }
                header = header with { Checksum = CacheHeader.Combine(hashes) };
                var hb = new byte[CacheHeader.Size];
                header.WriteTo(hb);
                head.Position = 0;
                head.Write(hb);
                head.Position = layout.Map;
                head.Write(mapBytes);
                head.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { }
            throw;
        }
    }

    private static UserInputException Changed(string dataPath) =>
        new($"{dataPath}: the file changed while it was being read; run again.");

    /// <summary>Buffered writer of one cache section at a fixed offset, hashing what it writes.</summary>
    private sealed class SectionWriter : IDisposable
    {
        private readonly FileStream _fs;
        private readonly byte[] _buf = new byte[1 << 20];
        private readonly XxHash3 _hash = new();
        private int _n;

        public SectionWriter(string path, long offset)
        {
            _fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
            _fs.Position = offset;
        }

        public void Write<T>(ReadOnlySpan<T> data) where T : unmanaged
        {
            var bytes = MemoryMarshal.AsBytes(data);
            while (!bytes.IsEmpty)
            {
                int k = Math.Min(bytes.Length, _buf.Length - _n);
                bytes[..k].CopyTo(_buf.AsSpan(_n));
                _n += k;
                bytes = bytes[k..];
                if (_n == _buf.Length) Drain();
            }
        }

        private void Drain()
        {
            _hash.Append(_buf.AsSpan(0, _n));
            _fs.Write(_buf, 0, _n);
            _n = 0;
        }

        public ulong Finish()
        {
            Drain();
            _fs.Flush(flushToDisk: true);
            return _hash.GetCurrentHashAsUInt64();
        }

        public void Dispose() => _fs.Dispose();
    }
}
