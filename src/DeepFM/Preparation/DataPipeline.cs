using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>
/// Turns raw text files into encoded rows: a prepared, memory-mapped cache for training (vocabularies built on the
/// training split only), the same for extra files encoded with an existing map, or a cache-free batch stream.
/// </summary>
public static class DataPipeline
{
    private const int FlagEncodedWithMap = CacheHeader.FlagEncodedWithMap;
    private const int Chunk = 4096;

    /// <summary>
    /// Reads <paramref name="dataPath"/> once — pass 1 parses every row, counts values on training rows and spills each
    /// row's per-field value numbers (slots) to a temporary file next to the cache — builds the feature map, then pass 2
    /// translates the spilled slots into ids and writes <paramref name="cachePath"/> (to a temporary file, then moved into
    /// place) without parsing the text again; opens the result.
    /// </summary>
    /// <remarks>A cancelled <paramref name="cancel"/> stops the work between chunks and deletes the spill and the
    /// partial cache (<see cref="OperationCanceledException"/>). Temporaries of this cache left by killed writers
    /// (<see cref="IO.TempFiles"/>) are removed first.</remarks>
    public static PreparedData Prepare(string dataPath, string cachePath, DataOptions options, SplitOptions split, CancellationToken cancel = default)
    {
        options.Validate();
        split.Validate();
        Stat(dataPath);   // a mistyped data path fails before the cache folder is created
        string full = Path.GetFullPath(cachePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        IO.TempFiles.RemoveStale(full);
        // The spill lives next to the cache (same disk as the output, not a RAM-backed temp folder) and is deleted
        // on every path out of here.
        using (var spill = new SlotSpill(IO.TempFiles.NewPath(full, "slots")))
        {
            var scan = Scan(dataPath, options, split, spill, cancel);
            WriteCache(dataPath, full, scan.Map, scan.Header, new SpilledChunks(spill, scan.SlotIds, scan.ValueFields), cancel);
        }
        return PreparedData.Open(cachePath, null, verify: false);
    }

    /// <summary>What pass 1 of <see cref="Prepare"/> found: the map, the cache header less map and checksum, per field the
    /// slot → global id tables, and the fields whose values were spilled.</summary>
    internal sealed record ScanResult(FeatureMap Map, CacheHeader Header, int[][] SlotIds, int[] ValueFields);

    /// <summary>
    /// Pass 1 of <see cref="Prepare"/>: parses <paramref name="dataPath"/> once, counting training rows' values and
    /// writing every row to <paramref name="spill"/>, and builds the feature map. Internal for the prepare benchmark.
    /// </summary>
    internal static ScanResult Scan(string dataPath, DataOptions options, SplitOptions split, SlotSpill spill, CancellationToken cancel = default)
    {
        var source = Stat(dataPath);
        FeatureMap map;
        int[][] slotIds;
        int[] valueFields;
        long rows, trainRows = 0, skipped, bytesRead;
        using (var rr = RowReader.Open(dataPath, options.Format, options.CsvSchema, options.LibsvmFieldMap, null, options.SkipBadLines))
        {
            var fields = rr.Fields;
            int m = fields.Length;
            // Only these fields can hold a value other than 1; every other value is 1 and is not spilled.
            valueFields = [.. Enumerable.Range(0, m).Where(f => fields[f].Kind == FieldKind.Numeric
                ? options.NumericEncoding != NumericEncoding.Bucket : rr.CategoricalValues)];
            int k = valueFields.Length;
            var builder = new FeatureMapBuilder(fields, options.NumericEncoding);
            var chunk = new SpillChunk(m, k);
            var row = rr.Row;
            int n = 0;
            while (rr.Next())
            {
                var tag = split.Assign(rr.RowIndex);
                if (tag == SplitTag.Train) trainRows++;
                builder.Record(row, tag == SplitTag.Train, chunk.Slots.AsSpan(n * m, m));
                for (int j = 0; j < k; j++)
                {
                    int f = valueFields[j];
                    chunk.Values[n * k + j] = fields[f].Kind == FieldKind.Numeric
                        ? FeatureMap.ScaledValue(options.NumericEncoding, row.Missing[f], row.Number[f])
                        : row.Value[f];
                }
                chunk.Labels[n] = row.Label;
                chunk.Tags[n] = (byte)tag;
                if (++n == Chunk) { spill.Write(chunk, n); n = 0; cancel.ThrowIfCancellationRequested(); }
            }
            if (n > 0) spill.Write(chunk, n);
            rows = rr.RowIndex + 1;
            skipped = rr.Skipped;
            bytesRead = rr.BytesRead;
            CheckRows(dataPath, rows, skipped);
            if (trainRows == 0) throw new UserInputException($"{dataPath}: the split leaves no training rows.");
            map = builder.Build(options.MinCount, options.Format, options.CsvSchema, options.LibsvmFieldMap, out slotIds);
        }
        // The text is read once, so a change shows as a different size or write time, or as more or fewer bytes read.
        var after = new FileInfo(dataPath);
        if (!after.Exists || after.Length != source.Length || after.LastWriteTimeUtc != source.LastWriteTimeUtc || bytesRead != source.Length)
            throw Changed(dataPath);
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
        return new ScanResult(map, header, slotIds, valueFields);
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
        using (var rr = OpenWithMap(dataPath, map, skipBadLines))
            WriteCache(dataPath, cachePath, map, header, new EncodedChunks(rr, map));
        try
        {
            var data = PreparedData.Open(cachePath, temp ? cachePath : null, verify: false);
            // The mapping outlives the name: unlinking the temporary file now means a killed process leaves nothing in
            // the temp folder (where unlinking an open file is refused, Dispose deletes it as before).
            if (temp)
            {
                try { File.Delete(cachePath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
            return data;
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

    /// <summary>
    /// Pass 2: writes the rows that <paramref name="rows"/> yields into a temporary file next to the cache, then moves
    /// it into place. <paramref name="header"/> gets the map's hash and length, the checksum and, when every value is 1,
    /// <see cref="CacheHeader.FlagNoValues"/>.
    /// </summary>
    private static void WriteCache(string dataPath, string cachePath, FeatureMap map, CacheHeader header, IRowChunks rows, CancellationToken cancel = default)
    {
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true)) map.Write(w);
        byte[] mapBytes = ms.ToArray();
        header = header with { MapHash = map.Hash, MapLength = mapBytes.Length };
        var layout = header.Layout;
        string full = Path.GetFullPath(cachePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string tmp = DeepFM.IO.TempFiles.NewPath(full);
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
                {
                    int m = map.FieldCount;
                    var idBuf = new int[Chunk * m];
                    var valBuf = new float[Chunk * m];
                    valBuf.AsSpan().Fill(1f); // sources may write only the values that can differ from 1
                    var labBuf = new float[Chunk];
                    var tagBuf = new byte[Chunk];
                    // The values section is written only once a value other than 1 appears (the 1s before it are
                    // written then); all-categorical data gets no values section at all.
                    SectionWriter? values = null;
                    long done = 0;
                    try
                    {
                        int n;
                        while ((n = rows.Read(idBuf, valBuf, labBuf, tagBuf)) > 0)
                        {
                            cancel.ThrowIfCancellationRequested();
                            if (done + n > header.RowCount) throw Changed(dataPath);
                            labels.Write<float>(labBuf.AsSpan(0, n));
                            tags.Write<byte>(tagBuf.AsSpan(0, n));
                            ids.Write<int>(idBuf.AsSpan(0, n * m));
                            var chunk = valBuf.AsSpan(0, n * m);
                            if (values is null && chunk.IndexOfAnyExcept(1f) >= 0)
                            {
                                values = new SectionWriter(tmp, layout.Values);
                                var ones = new float[Chunk * m];
                                ones.AsSpan().Fill(1f);
                                for (long left = done * m; left > 0; left -= ones.Length)
                                    values.Write<float>(ones.AsSpan(0, (int)Math.Min(ones.Length, left)));
                            }
                            values?.Write<float>(chunk);
                            done += n;
                        }
                        if (done != header.RowCount) throw Changed(dataPath);
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

    /// <summary>A source of encoded rows for <see cref="WriteCache"/>, a chunk at a time.</summary>
    private interface IRowChunks
    {
        /// <summary>
        /// Fills up to <c>labels.Length</c> rows (ids and values row-major, <c>m</c> per row) and returns how many; 0 at
        /// the end. Values left untouched stay as the caller set them (1).
        /// </summary>
        int Read(int[] ids, float[] values, float[] labels, byte[] tags);
    }

    /// <summary>Parses and encodes text rows with a map (files encoded with an existing map): every row tagged Test.</summary>
    private sealed class EncodedChunks(RowReader rr, FeatureMap map) : IRowChunks
    {
        public int Read(int[] ids, float[] values, float[] labels, byte[] tags)
        {
            int m = map.FieldCount, n = 0;
            while (n < labels.Length && rr.Next())
            {
                map.EncodeRow(rr.Row, ids.AsSpan(n * m, m), values.AsSpan(n * m, m));
                labels[n] = rr.Row.Label;
                tags[n] = (byte)SplitTag.Test;
                n++;
            }
            return n;
        }
    }

    /// <summary>Replays a <see cref="SlotSpill"/>, translating slots to global ids: no text parsing.</summary>
    private sealed class SpilledChunks : IRowChunks
    {
        private readonly SlotSpill _spill;
        private readonly int[][] _slotIds;
        private readonly int[] _valueFields;
        private readonly float[] _spilledValues;

        public SpilledChunks(SlotSpill spill, int[][] slotIds, int[] valueFields)
        {
            _spill = spill;
            _slotIds = slotIds;
            _valueFields = valueFields;
            _spilledValues = new float[Chunk * valueFields.Length];
            spill.Rewind();
        }

        public int Read(int[] ids, float[] values, float[] labels, byte[] tags)
        {
            int m = _slotIds.Length, k = _valueFields.Length;
            int n = _spill.Read(labels, tags, _slotIds, ids, _spilledValues);
            for (int j = 0; j < k; j++)
            {
                int f = _valueFields[j];
                for (int r = 0; r < n; r++) values[r * m + f] = _spilledValues[r * k + j];
            }
            return n;
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

    /// <summary>Pass 1's buffer of up to <see cref="Chunk"/> rows: labels, tags, slots (m per row), spilled values (k per row).</summary>
    internal sealed class SpillChunk(int fields, int valueFields)
    {
        public readonly float[] Labels = new float[Chunk];
        public readonly byte[] Tags = new byte[Chunk];
        public readonly int[] Slots = new int[Chunk * fields];
        public readonly float[] Values = new float[Chunk * valueFields];
    }

    /// <summary>
    /// Temporary file of pass 1's rows, written and read back sequentially (so memory does not grow with the data). Per
    /// chunk: the row count, labels, tags, one width byte per field, each field's slots as a column of 1-, 2- or 4-byte
    /// integers (the narrowest that holds its largest slot; padded to 4 bytes), then the spilled values. Narrow columns
    /// keep the file at about 40% of the size of 4-byte slots on Criteo data (writing pages costs). Deleted on dispose.
    /// </summary>
    internal sealed class SlotSpill : IDisposable
    {
        private readonly string _path;
        private readonly FileStream _fs;
        private byte[] _packed = [];
        private byte[] _widths = [];

        public SlotSpill(string path)
        {
            _path = path;
            // Large sequential writes go straight to the file; DeleteOnClose also covers a crash-free exit that skips Dispose.
            _fs = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1,
                FileOptions.DeleteOnClose | FileOptions.SequentialScan);
        }

        private static int ColumnBytes(int n, int width) => (n * width + 3) & ~3;

        /// <summary>Appends the first <paramref name="n"/> rows of <paramref name="c"/>.</summary>
        public void Write(SpillChunk c, int n)
        {
            int m = c.Slots.Length / Chunk, k = c.Values.Length / Chunk;
            if (_widths.Length != m) { _widths = new byte[m]; _packed = new byte[Chunk * m * 4]; }
            int at = 0;
            for (int f = 0; f < m; f++)
            {
                int max = 0;
                for (int i = f, end = n * m; i < end; i += m) max = Math.Max(max, c.Slots[i]);
                int w = max <= byte.MaxValue ? 1 : max <= ushort.MaxValue ? 2 : 4;
                _widths[f] = (byte)w;
                var col = _packed.AsSpan(at, ColumnBytes(n, w));
                switch (w)
                {
                    case 1:
                        for (int r = 0, i = f; r < n; r++, i += m) col[r] = (byte)c.Slots[i];
                        break;
                    case 2:
                        var col2 = MemoryMarshal.Cast<byte, ushort>(col);
                        for (int r = 0, i = f; r < n; r++, i += m) col2[r] = (ushort)c.Slots[i];
                        break;
                    default:
                        var col4 = MemoryMarshal.Cast<byte, int>(col);
                        for (int r = 0, i = f; r < n; r++, i += m) col4[r] = c.Slots[i];
                        break;
                }
                at += col.Length;
            }
            _fs.Write(MemoryMarshal.AsBytes(new ReadOnlySpan<int>(ref n)));
            _fs.Write(MemoryMarshal.AsBytes(c.Labels.AsSpan(0, n)));
            _fs.Write(c.Tags.AsSpan(0, n));
            _fs.Write(_widths);
            _fs.Write(_packed.AsSpan(0, at));
            _fs.Write(MemoryMarshal.AsBytes(c.Values.AsSpan(0, n * k)));
        }

        /// <summary>Moves back to the start for reading.</summary>
        public void Rewind() => _fs.Position = 0;

        /// <summary>
        /// Reads the next chunk, its slots translated through <paramref name="slotIds"/> into row-major
        /// <paramref name="ids"/>, and returns its row count; 0 at the end.
        /// </summary>
        public int Read(float[] labels, byte[] tags, int[][] slotIds, int[] ids, float[] values)
        {
            int n = 0, m = slotIds.Length;
            int got = _fs.ReadAtLeast(MemoryMarshal.AsBytes(new Span<int>(ref n)), 4, throwOnEndOfStream: false);
            if (got == 0) return 0;
            if (got < 4 || (uint)n > (uint)labels.Length || _widths.Length != m) throw new InvalidDataException($"{_path}: corrupt spill chunk.");
            _fs.ReadExactly(MemoryMarshal.AsBytes(labels.AsSpan(0, n)));
            _fs.ReadExactly(tags.AsSpan(0, n));
            _fs.ReadExactly(_widths);
            int bytes = 0;
            foreach (byte w in _widths) bytes += ColumnBytes(n, w);
            _fs.ReadExactly(_packed.AsSpan(0, bytes));
            int at = 0;
            for (int f = 0; f < m; f++)
            {
                int[] t = slotIds[f];
                int w = _widths[f];
                var col = _packed.AsSpan(at, ColumnBytes(n, w));
                switch (w)
                {
                    case 1:
                        for (int r = 0, i = f; r < n; r++, i += m) ids[i] = t[col[r]];
                        break;
                    case 2:
                        var col2 = MemoryMarshal.Cast<byte, ushort>(col);
                        for (int r = 0, i = f; r < n; r++, i += m) ids[i] = t[col2[r]];
                        break;
                    default:
                        var col4 = MemoryMarshal.Cast<byte, int>(col);
                        for (int r = 0, i = f; r < n; r++, i += m) ids[i] = t[col4[r]];
                        break;
                }
                at += col.Length;
            }
            _fs.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan(0, values.Length / Chunk * n)));
            return n;
        }

        public void Dispose()
        {
            _fs.Dispose();
            try { File.Delete(_path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
