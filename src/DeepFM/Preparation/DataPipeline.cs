using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>
/// Turns raw text files into encoded rows: a prepared, memory-mapped cache for training (vocabularies built on the
/// training split only), the same for extra files encoded with an existing map, or a cache-free batch stream.
/// </summary>
public static class DataPipeline
{
    /// <summary>Rows per chunk: the unit the passes read, spill, write and check cancellation in.</summary>
    internal const int ChunkRows = 4096;

    /// <summary>
    /// Reads <paramref name="dataPath"/> once — pass 1 parses every row, counts values on training rows and spills each
    /// row's per-field value numbers (slots) to a temporary file next to the cache — builds the feature map, then pass 2
    /// translates the spilled slots into ids and writes <paramref name="cachePath"/> (to a temporary file, then moved into
    /// place) without parsing the text again; opens the result.
    /// </summary>
    /// <remarks>A cancelled <paramref name="cancel"/> stops the work between chunks and deletes the spill and the
    /// partial cache (<see cref="OperationCanceledException"/>). Temporaries of this cache left by killed writers
    /// (<see cref="IO.TempFiles"/>) are removed first.</remarks>
    /// <remarks><paramref name="progress"/>, when given, hears how far each pass has come, once per chunk of rows.</remarks>
    public static PreparedData Prepare(string dataPath, string cachePath, DataOptions options, SplitOptions split, CancellationToken cancel = default,
        IProgress<PrepareProgress>? progress = null)
    {
        options.Validate();
        split.Validate();
        SourceFile.Stat(dataPath);   // a mistyped data path fails before the cache folder is created
        string full = Path.GetFullPath(cachePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        IO.TempFiles.RemoveStale(full);
        if (options.Reader.CsvSchema is { Multi.Count: > 0 }) return JaggedPreparation.Prepare(dataPath, full, options, split, cancel, progress);
        // The spill lives next to the cache (same disk as the output, not a RAM-backed temp folder) and is deleted
        // on every path out of here.
        using (var spill = new SlotSpill(IO.TempFiles.NewPath(full, "slots")))
        {
            var scan = VocabularyScan.Scan(dataPath, options, split, spill, cancel, progress);
            CacheWriter.Write(dataPath, full, scan.Map, scan.Header, new SpilledChunks(spill, scan.SlotIds, scan.ValueFields), cancel, progress);
        }
        return PreparedData.Open(cachePath, null, verify: false);
    }

    /// <summary>Opens an existing cache; see <see cref="PreparedData.Open(string)"/>.</summary>
    public static PreparedData Open(string cachePath) => PreparedData.Open(cachePath);

    /// <summary>
    /// Opens <paramref name="cachePath"/> when it was prepared from the current <paramref name="dataPath"/> (same length and
    /// write time) with the same options and split; otherwise — stale, corrupt or missing — prepares it again. Without the
    /// data file, the cache is opened as it is.
    /// </summary>
    public static PreparedData OpenOrPrepare(string dataPath, string cachePath, DataOptions options, SplitOptions split) =>
        OpenOrPrepare(dataPath, cachePath, options, split, null);

    /// <inheritdoc cref="OpenOrPrepare(string, string, DataOptions, SplitOptions)"/>
    /// <remarks><paramref name="progress"/> hears a prepare's passes, when one runs.</remarks>
    public static PreparedData OpenOrPrepare(string dataPath, string cachePath, DataOptions options, SplitOptions split, IProgress<PrepareProgress>? progress)
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
        return Prepare(dataPath, cachePath, options, split, default, progress);
    }

    /// <summary>True when the cache header matches the data file's length and write time, the options and the split.</summary>
    public static bool IsCurrent(string cachePath, string dataPath, DataOptions options, SplitOptions split) =>
        CacheStaleness.IsCurrent(cachePath, dataPath, options, split);

    /// <summary>
    /// Encodes a separate file (validation, test) with an existing map; every row is tagged <see cref="SplitTag.Test"/>,
    /// so <see cref="PreparedData.All"/> and <see cref="PreparedData.Test"/> hold all rows. With a null
    /// <paramref name="cachePath"/> the cache is a temporary file deleted on dispose.
    /// </summary>
    /// <remarks>With <paramref name="split"/>, rows are tagged by it instead (train, validation and test as
    /// <see cref="Prepare"/> would split them): training data encoded with a trained model's map.</remarks>
    public static PreparedData EncodeWith(string dataPath, FeatureMap map, string? cachePath, bool skipBadLines = false, SplitOptions? split = null)
    {
        split?.Validate();
        var source = SourceFile.Stat(dataPath);
        var header = new CacheHeader
        {
            Format = map.Reader.Format,
            SourceLength = source.Length,
            SourceWriteTicks = source.LastWriteTimeUtc.Ticks,
            FieldCount = map.FieldCount,
            Flags = CacheHeader.FlagEncodedWithMap,
            ValidFraction = split?.ValidFraction ?? 0,
            TestFraction = split?.TestFraction ?? 0,
            Seed = split?.Seed ?? 0,
        };
        bool temp = cachePath is null;
        cachePath ??= Path.Combine(Path.GetTempPath(), $"deepfm-{Guid.NewGuid():N}.cache");
        if (map.HasMultiValuedFields)
        {
            // Rows of variable length: encoded in memory in one parse, then written whole (the row count is known then).
            JaggedPreparation.Encode(dataPath, map, skipBadLines, split, header, cachePath);
        }
        else
        {
            long rows = 0, skipped;
            using (var rr = OpenWithMap(dataPath, map, skipBadLines))
            {
                while (rr.Next()) rows++;
                skipped = rr.Skipped;
            }
            SourceFile.CheckRows(dataPath, rows, skipped);
            using var reader = OpenWithMap(dataPath, map, skipBadLines);
            CacheWriter.Write(dataPath, cachePath, map, header with { RowCount = rows, SkippedLines = skipped }, new EncodedChunks(reader, map, split));
        }
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
    /// The vocabulary of <paramref name="dataPath"/>'s training rows (under <paramref name="split"/>) for the fields of
    /// <paramref name="like"/>, read as <paramref name="like"/>'s data was, values kept at <paramref name="minCount"/>:
    /// what <see cref="FeatureMap.ExtendWith"/> grows a trained model's map by. One pass; no cache is written.
    /// </summary>
    public static FeatureMap CountVocabulary(string dataPath, FeatureMap like, int minCount, SplitOptions split, bool skipBadLines = false)
    {
        ArgumentNullException.ThrowIfNull(like);
        split.Validate();
        SourceFile.Stat(dataPath);
        using var rr = OpenWithMap(dataPath, like, skipBadLines);
        var builder = new FeatureMapBuilder(like.Specs, like.NumericEncoding, like.Reader);
        long trainRows = 0;
        while (rr.Next())
        {
            if (split.Assign(rr.RowIndex) != SplitTag.Train) continue;
            builder.Count(rr.Row);
            trainRows++;
        }
        if (trainRows == 0) throw new UserInputException($"{dataPath}: the split leaves no training rows.");
        return builder.Build(Math.Max(1, minCount), like.Reader);
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
        if (map.HasMultiValuedFields)
        {
            foreach (var b in StreamJagged(rr, map, batchSize)) yield return b;
            yield break;
        }
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

    /// <summary>Rows of variable length in batches: entries are encoded into growable buffers, then copied into the
    /// batch (which grows to the widest batch seen and then stays).</summary>
    private static IEnumerable<Batch> StreamJagged(RowReader rr, FeatureMap map, int batchSize)
    {
        int m = map.FieldCount, n = 0, entries = 0;
        var batch = new Batch(batchSize, m, batchSize * m);
        var ids = new int[batchSize * m];
        var values = new float[batchSize * m];
        var scratch = new (int, int)[16];
        while (rr.Next())
        {
            for (int f = 0; f < m; f++)
            {
                batch.OffsetBuffer[n * m + f] = entries;
                entries += map.EncodeEntries(rr.Row, f, ref ids, ref values, entries, ref scratch);
            }
            batch.LabelBuffer[n] = rr.Row.Label;
            if (++n == batchSize)
            {
                Fill(batch, ids, values, n, entries);
                yield return batch;
                n = entries = 0;
            }
        }
        if (n > 0)
        {
            Fill(batch, ids, values, n, entries);
            yield return batch;
        }
    }

    private static void Fill(Batch batch, int[] ids, float[] values, int rows, int entries)
    {
        batch.OffsetBuffer[rows * batch.FieldCount] = entries;
        batch.EnsureEntryCapacity(entries);
        ids.AsSpan(0, entries).CopyTo(batch.IdBuffer);
        values.AsSpan(0, entries).CopyTo(batch.ValueBuffer);
        batch.Size = rows;
    }

    /// <summary>
    /// Whether the rows of <paramref name="dataPath"/> carry a label, judged from its first line as <paramref name="map"/>'s
    /// format reads it: a CSV header naming the label column, a Criteo line of 40 columns (39 without), a libsvm line
    /// whose first token is not <c>index:value</c>. For scoring files that may come with or without labels.
    /// </summary>
    public static bool HasLabels(string dataPath, FeatureMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        string? first;
        using (var reader = new StreamReader(dataPath, System.Text.Encoding.UTF8, true, 1 << 16))
        {
            do first = reader.ReadLine(); while (first is not null && first.Trim().Length == 0);
        }
        if (first is null) return true;
        switch (map.Reader.Format)
        {
            case DataFormat.Csv:
                var schema = map.Reader.CsvSchema!;
                return first.Split(schema.Delimiter).Select(h => h.Trim().Trim('"')).Contains(schema.Label, StringComparer.Ordinal);
            case DataFormat.Criteo:
                return first.Count(c => c == '\t') != 38;
            default:
                string token = first.TrimStart().Split([' ', '\t'], 2)[0];
                return !token.Contains(':');
        }
    }

    private static RowReader OpenWithMap(string dataPath, FeatureMap map, bool skipBadLines, bool labeled = true) =>
        RowReader.Open(dataPath, map.Reader, map.Specs, skipBadLines, labeled);

}
