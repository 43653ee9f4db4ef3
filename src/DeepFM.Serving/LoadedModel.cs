using System.Text.Json;
using System.Threading.Channels;
using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Features;
using DeepFM.Serialization;

namespace DeepFM.Serving;

/// <summary>
/// One loaded model file with everything a request needs, never mutated after construction: the service swaps the
/// whole object on reload, so a request that took the old one finishes on it while new requests take the new one.
/// </summary>
public sealed class LoadedModel
{
    private readonly Channel<Scorer> _pool;

    private LoadedModel(string path, string checksum, SavedModel saved, Scorer[] scorers)
    {
        Path = path;
        Checksum = checksum;
        Saved = saved;
        LoadedUtc = DateTime.UtcNow;
        var map = saved.FeatureMap;
        int m = map.FieldCount;
        MissingIds = new int[m];
        MissingValues = new float[m];
        var names = new Dictionary<string, int>(m, StringComparer.Ordinal);
        for (int f = 0; f < m; f++)
        {
            // An absent key or a JSON null encodes exactly as an empty raw field did in training.
            map.TryEncodeField(f, default, out MissingIds[f], out MissingValues[f]);
            names[map.Fields[f].Name] = f;
        }
        FieldLookup = names.GetAlternateLookup<ReadOnlySpan<char>>();
        MaxFieldNameLength = map.Fields.Max(x => x.Name.Length);
        _pool = Channel.CreateUnbounded<Scorer>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
        foreach (var s in scorers) _pool.Writer.TryWrite(s);
        Workers = scorers.Length;
        InfoJson = BuildInfo();
    }

    /// <summary>The model file as given.</summary>
    public string Path { get; }

    /// <summary>SHA-256 of the model file, hex.</summary>
    public string Checksum { get; }

    /// <summary>The first loaded instance with its feature map and metadata.</summary>
    public SavedModel Saved { get; }

    /// <summary>Feature map requests are encoded with.</summary>
    public FeatureMap FeatureMap => Saved.FeatureMap;

    /// <summary>When this model started serving (UTC).</summary>
    public DateTime LoadedUtc { get; }

    /// <summary>Scorers (requests scored at once) in the pool.</summary>
    public int Workers { get; }

    internal int[] MissingIds { get; }
    internal float[] MissingValues { get; }
    internal Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> FieldLookup { get; }
    internal int MaxFieldNameLength { get; }

    /// <summary>The body of <c>GET /v1/model</c>, built once.</summary>
    internal byte[] InfoJson { get; }

    /// <summary>
    /// Loads <paramref name="path"/> once and makes <paramref name="workers"/> scorers that share its weights, each
    /// with its own evaluation workspace and input batch: memory for the model does not grow with the workers. One
    /// request's matrix products use up to <paramref name="threads"/> threads (0: all cores).
    /// </summary>
    /// <exception cref="UserInputException">The file is missing, not a model, or corrupt.</exception>
    public static LoadedModel Load(string path, int workers, int chunkRows, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkRows);
        string checksum;
        try { checksum = ModelFile.FileChecksum(path); }
        catch (FileNotFoundException) { throw new UserInputException($"{path}: model file not found."); }
        catch (DirectoryNotFoundException) { throw new UserInputException($"{path}: model file not found."); }
        var saved = ModelFile.Load(path);
        saved.RequireSingleValuedFields("The scoring service");
        var compute = ComputeContext.Default.WithThreads(threads);
        var scorers = new Scorer[workers];
        for (int i = 0; i < workers; i++) scorers[i] = new Scorer(saved.Model, chunkRows, compute);
        return new LoadedModel(path, checksum, saved, scorers);
    }

    /// <summary>Takes a free model instance, waiting while all are busy.</summary>
    internal ValueTask<Scorer> RentAsync(CancellationToken cancel) => _pool.Reader.ReadAsync(cancel);

    /// <summary>Returns an instance taken with <see cref="RentAsync"/>.</summary>
    internal void Return(Scorer scorer) => _pool.Writer.TryWrite(scorer);

    private byte[] BuildInfo()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            var model = Saved.Model;
            w.WriteStartObject();
            w.WriteString("model", model.Config.Model);
            w.WriteString("path", System.IO.Path.GetFullPath(Path));
            w.WriteString("checksum", Checksum);
            w.WriteString("loadedUtc", LoadedUtc.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("format", FeatureMap.Reader.Format.ToString().ToLowerInvariant());
            w.WriteString("numericEncoding", FeatureMap.NumericEncoding.ToString().ToLowerInvariant());
            w.WriteNumber("featureCount", FeatureMap.FeatureCount);
            w.WriteNumber("parameterCount", model.Parameters().Where(p => p.IsTrainable).Sum(p => (long)p.Value.Length));
            w.WriteNumber("workers", Workers);
            w.WritePropertyName("config");
            JsonSerializer.Serialize(w, model.Config, ModelFile.Json);
            w.WritePropertyName("metadata");
            JsonSerializer.Serialize(w, Saved.Metadata, ModelFile.Json);
            w.WriteStartArray("fields");
            foreach (var f in FeatureMap.Fields)
            {
                w.WriteStartObject();
                w.WriteString("name", f.Name);
                w.WriteString("kind", f.Kind == FieldKind.Categorical ? "categorical" : "numeric");
                w.WriteNumber("size", f.Size);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
