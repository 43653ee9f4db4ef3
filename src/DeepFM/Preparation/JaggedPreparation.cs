using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>
/// Prepare for data with multi-valued fields (<see cref="MultiValuedColumn"/>): pass 1 counts every kept value of
/// the training rows and builds the map; pass 2 parses the text again and encodes each row's entries, which are
/// written as a version-3 (jagged) cache by <see cref="JaggedCacheWriter"/>. The encoded rows are held in memory
/// before the write (ids and values: 8 bytes per entry), unlike the fixed-width path's streamed spill.
/// </summary>
internal static class JaggedPreparation
{
    /// <summary>Prepares <paramref name="dataPath"/> into <paramref name="cachePath"/> and opens it.</summary>
    public static PreparedData Prepare(string dataPath, string cachePath, DataOptions options, SplitOptions split, CancellationToken cancel,
        IProgress<PrepareProgress>? progress = null)
    {
        var source = SourceFile.Stat(dataPath);
        FeatureMap map;
        long rows, trainRows = 0, skipped;
        using (var rr = RowReader.Open(dataPath, options.Reader, null, options.SkipBadLines))
        {
            var builder = new FeatureMapBuilder(rr.Fields, options.NumericEncoding, options.Reader);
            while (rr.Next())
            {
                if (split.Assign(rr.RowIndex) == SplitTag.Train)
                {
                    builder.Count(rr.Row);
                    trainRows++;
                }
                if ((rr.RowIndex & (DataPipeline.ChunkRows - 1)) == 0)
                {
                    cancel.ThrowIfCancellationRequested();
                    progress?.Report(new PrepareProgress("reading", rr.BytesRead, source.Length, InBytes: true));
                }
            }
            rows = rr.RowIndex + 1;
            skipped = rr.Skipped;
            SourceFile.CheckRows(dataPath, rows, skipped);
            if (trainRows == 0) throw new UserInputException($"{dataPath}: the split leaves no training rows.");
            map = builder.Build(options.MinCount, options.Reader);
        }
        Encode(dataPath, map, options.SkipBadLines, split, CacheHeader.ForPrepare(options, split, source), cachePath, cancel, progress);
        var after = new FileInfo(dataPath);
        if (!after.Exists || after.Length != source.Length || after.LastWriteTimeUtc != source.LastWriteTimeUtc)
        {
            try { File.Delete(cachePath); } catch (IOException) { }
            throw SourceFile.Changed(dataPath);
        }
        return PreparedData.Open(cachePath, null, verify: false);
    }

    /// <summary>Encodes <paramref name="dataPath"/> with <paramref name="map"/> into a jagged cache; rows tagged by
    /// <paramref name="split"/>, or all <see cref="SplitTag.Test"/> without one.</summary>
    public static long Encode(string dataPath, FeatureMap map, bool skipBadLines, SplitOptions? split, CacheHeader basis, string cachePath,
        CancellationToken cancel = default, IProgress<PrepareProgress>? progress = null)
    {
        long length = new FileInfo(dataPath).Length;
        using var rr = RowReader.Open(dataPath, map.Reader, map.Specs, skipBadLines);
        var rows = new JaggedRowsBuilder(map);
        while (rr.Next())
        {
            rows.Add(rr.Row, split is null ? SplitTag.Test : split.Assign(rr.RowIndex));
            if ((rr.RowIndex & (DataPipeline.ChunkRows - 1)) == 0)
            {
                cancel.ThrowIfCancellationRequested();
                progress?.Report(new PrepareProgress("encoding", rr.BytesRead, length, InBytes: true));
            }
        }
        SourceFile.CheckRows(dataPath, rr.RowIndex + 1, rr.Skipped);
        JaggedCacheWriter.Write(cachePath, map, rows.ToRowSet(), rows.Tags, basis with { FieldCount = map.FieldCount, SkippedLines = rr.Skipped });
        return rows.Count;
    }
}
