using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using DeepFM.Data;
using DeepFM.Features;
using DeepFM.Preparation;
using DeepFM.Serialization;
using DeepFM.Serving;

namespace DeepFM.Fuzz;

/// <summary>
/// The fuzz targets: each takes one input and feeds it to one parser. The project's own refusals
/// (<see cref="UserInputException"/>, which <see cref="DataFormatException"/> is, and the service's 4xx
/// <see cref="RequestException"/>) are the expected outcome for bad input and are swallowed; any other exception escapes
/// and is a crash to AFL. Parsers that read files get the input through one scratch file per process.
/// </summary>
internal static class Targets
{
    private static readonly string s_scratch = Path.Combine(Environment.GetEnvironmentVariable("DEEPFM_FUZZ_TMP") ?? Path.GetTempPath(),
        $"deepfm-fuzz-{Environment.ProcessId}");

    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>
    {
        ["criteo"] = b => Rows(b, DataFormat.Criteo),
        ["libsvm"] = Libsvm,
        ["csv"] = Csv,
        ["schema"] = b => Refusing(() => CsvSchema.Parse(Text(b)).ToString()),
        ["fieldmap"] = b => Refusing(() => LibsvmFieldMap.Parse(Text(b)).ToString()),
        ["featuremap"] = b => Refusing(() => FeatureMap.Read(new BinaryReader(new MemoryStream(b), Encoding.UTF8))),
        ["model"] = Model,
        ["checkpoint"] = CheckpointFile,
        ["cache"] = Cache,
        ["json"] = b => Serve(b, json: true),
        ["tsv"] = b => Serve(b, json: false),
    };

    private static string Text(byte[] b) => Encoding.UTF8.GetString(b);

    private static void Refusing(Action run)
    {
        try { run(); }
        catch (UserInputException) { }
    }

    private static string Scratch(byte[] bytes, string extension = ".txt")
    {
        string path = s_scratch + extension;
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void Rows(byte[] bytes, DataFormat format, CsvSchema? schema = null, LibsvmFieldMap? map = null)
    {
        string path = Scratch(bytes);
        foreach (bool labeled in new[] { true, false })
            Refusing(() =>
            {
                using var rr = RowReader.Open(path, format, schema, map, null, skipBad: !labeled, labeled);
                while (rr.Next()) { }
            });
    }

    // Made on first use, not in a static initialiser: instrumented library code must not run before SharpFuzz has
    // mapped AFL's coverage memory (it writes there, and faults before).
    private static LibsvmFieldMap? s_fieldMap;

    private static void Libsvm(byte[] bytes)
    {
        Rows(bytes, DataFormat.Libsvm);
        Rows(bytes, DataFormat.Libsvm, map: s_fieldMap ??= LibsvmFieldMap.Parse("a:0-5,b:6-15,c:16-30"));
    }

    /// <summary>The input's first line is the schema, the rest the CSV file: the two are fuzzed together.</summary>
    private static void Csv(byte[] bytes)
    {
        int nl = Array.IndexOf(bytes, (byte)'\n');
        if (nl < 0) return;
        CsvSchema schema;
        try { schema = CsvSchema.Parse(Encoding.UTF8.GetString(bytes, 0, nl)); }
        catch (UserInputException) { return; }
        Rows(bytes[(nl + 1)..], DataFormat.Csv, schema);
    }

    /// <summary>A model file is the input followed by its SHA-256, so mutations reach the parser behind the checksum
    /// (the checksum finds damage; a crafted file can always match it).</summary>
    private static void Model(byte[] bytes) => Refusing(() => ModelFile.Load(Scratch([.. bytes, .. SHA256.HashData(bytes)], ".dfm")));

    /// <summary>A checkpoint is the input followed by its SHA-256 (as for <see cref="Model"/>).</summary>
    private static void CheckpointFile(byte[] bytes) =>
        Refusing(() => Checkpoint.Load(Scratch([.. bytes, .. SHA256.HashData(bytes)], Checkpoint.Extension)));

    /// <summary>A cache with its header hash and, where the length fits the header's layout, its payload checksum made
    /// to match, then opened and read whole: the checks behind the checksums see crafted content.</summary>
    private static unsafe void Cache(byte[] bytes)
    {
        if (bytes.Length >= CacheHeader.Size)
        {
            int version = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(112), CacheHeader.HeaderHash(bytes, version));
            try
            {
                var header = CacheHeader.Read(new MemoryStream(bytes), "fuzz");
                if (header.Layout.Total == bytes.Length)
                    fixed (byte* p = bytes)
                        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(104), header.ComputeChecksum(p));
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(112), CacheHeader.HeaderHash(bytes, version));
            }
            catch (UserInputException) { }
        }
        Refusing(() =>
        {
            using var data = DataPipeline.Open(Scratch(bytes, ".cache"));
            var set = data.All;
            var batch = set.CreateBatch(Math.Max(1, Math.Min(set.Count, 256)));
            for (int s = 0; s < set.Count; s += batch.Capacity) set.Slice(s, Math.Min(batch.Capacity, set.Count - s), batch);
            for (int r = 0; r < data.Count; r++) data.TagOf(r);
            foreach (var split in new[] { data.Train, data.Valid, data.Test })
                if (split.Count > 0) split.Gather([0, split.Count - 1], batch);
        });
    }

    private static LoadedModel? s_model;

    /// <summary>The serving model the body parsers encode for (a small Criteo model made once per process, on the first
    /// input: see <see cref="s_fieldMap"/> for why not earlier).</summary>
    public static LoadedModel ServingModel => s_model ??= LoadedModel.Load(Seeds.CriteoModel(s_scratch + "-serving"), workers: 1, chunkRows: 64);

    private static void Serve(byte[] body, bool json)
    {
        var model = ServingModel;
        using var rows = new EncodedRows(model.FeatureMap.FieldCount);
        try
        {
            if (json) RequestParsing.ParseJson(body, model, 100, rows);
            else RequestParsing.ParseTsv(body, model, 100, rows);
        }
        catch (RequestException e) when (e.Status is >= 400 and < 500) { }
    }
}
