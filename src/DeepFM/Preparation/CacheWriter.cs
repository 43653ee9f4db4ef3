using System.IO.Hashing;
using System.Text;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>Pass 2 of the prepare pipeline (and of <see cref="DataPipeline.EncodeWith"/>): writes encoded rows as a cache.</summary>
internal static class CacheWriter
{
    /// <summary>
    /// Pass 2: writes the rows that <paramref name="rows"/> yields into a temporary file next to the cache, then moves
    /// it into place. <paramref name="header"/> gets the map's hash and length, the checksum and, when every value is 1,
    /// <see cref="CacheHeader.FlagNoValues"/>.
    /// </summary>
    public static void Write(string dataPath, string cachePath, FeatureMap map, CacheHeader header, IRowChunks rows, CancellationToken cancel = default,
        IProgress<PrepareProgress>? progress = null)
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
                    var idBuf = new int[DataPipeline.ChunkRows * m];
                    var valBuf = new float[DataPipeline.ChunkRows * m];
                    valBuf.AsSpan().Fill(1f); // sources may write only the values that can differ from 1
                    var labBuf = new float[DataPipeline.ChunkRows];
                    var tagBuf = new byte[DataPipeline.ChunkRows];
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
                            if (done + n > header.RowCount) throw SourceFile.Changed(dataPath);
                            labels.Write<float>(labBuf.AsSpan(0, n));
                            tags.Write<byte>(tagBuf.AsSpan(0, n));
                            ids.Write<int>(idBuf.AsSpan(0, n * m));
                            var chunk = valBuf.AsSpan(0, n * m);
                            if (values is null && chunk.IndexOfAnyExcept(1f) >= 0)
                            {
                                values = new SectionWriter(tmp, layout.Values);
                                var ones = new float[DataPipeline.ChunkRows * m];
                                ones.AsSpan().Fill(1f);
                                for (long left = done * m; left > 0; left -= ones.Length)
                                    values.Write<float>(ones.AsSpan(0, (int)Math.Min(ones.Length, left)));
                            }
                            values?.Write<float>(chunk);
                            done += n;
                            progress?.Report(new PrepareProgress("writing", done, header.RowCount, InBytes: false));
                        }
                        if (done != header.RowCount) throw SourceFile.Changed(dataPath);
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
}
