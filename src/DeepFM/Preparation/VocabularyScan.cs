using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>Pass 1 of the prepare pipeline: the vocabulary scan.</summary>
internal static class VocabularyScan
{
    /// <summary>
    /// Pass 1 of <see cref="DataPipeline.Prepare"/>: parses <paramref name="dataPath"/> once, counting training rows' values and
    /// writing every row to <paramref name="spill"/>, and builds the feature map. Internal for the prepare benchmark.
    /// </summary>
    internal static ScanResult Scan(string dataPath, DataOptions options, SplitOptions split, SlotSpill spill, CancellationToken cancel = default,
        IProgress<PrepareProgress>? progress = null)
    {
        var source = SourceFile.Stat(dataPath);
        FeatureMap map;
        int[][] slotIds;
        int[] valueFields;
        long rows, trainRows = 0, skipped, bytesRead;
        using (var rr = RowReader.Open(dataPath, options.Reader, null, options.SkipBadLines))
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
                if (++n == DataPipeline.ChunkRows)
                {
                    spill.Write(chunk, n);
                    n = 0;
                    cancel.ThrowIfCancellationRequested();
                    progress?.Report(new PrepareProgress("reading", rr.BytesRead, source.Length, InBytes: true));
                }
            }
            if (n > 0) spill.Write(chunk, n);
            rows = rr.RowIndex + 1;
            skipped = rr.Skipped;
            bytesRead = rr.BytesRead;
            SourceFile.CheckRows(dataPath, rows, skipped);
            if (trainRows == 0) throw new UserInputException($"{dataPath}: the split leaves no training rows.");
            map = builder.Build(options.MinCount, options.Reader, out slotIds);
        }
        // The text is read once, so a change shows as a different size or write time, or as more or fewer bytes read.
        var after = new FileInfo(dataPath);
        if (!after.Exists || after.Length != source.Length || after.LastWriteTimeUtc != source.LastWriteTimeUtc || bytesRead != source.Length)
            throw SourceFile.Changed(dataPath);
        var header = CacheHeader.ForPrepare(options, split, source) with
        {
            RowCount = rows,
            FieldCount = map.FieldCount,
            SkippedLines = skipped,
        };
        return new ScanResult(map, header, slotIds, valueFields);
    }
}
