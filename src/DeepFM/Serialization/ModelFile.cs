using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DeepFM.Features;
using DeepFM.Models;

namespace DeepFM.Serialization;

/// <summary>
/// The <c>.dfm</c> model file: magic <c>DFMMODEL</c>, format version, a JSON header (model config and metadata), the
/// feature map, every parameter (name, shape, float32 values; batch-norm statistics included), and a SHA-256 of all
/// preceding bytes. Written to a temporary name and renamed, so a crash never leaves a half-written model.
/// </summary>
public static class ModelFile
{
    private static readonly byte[] Magic = "DFMMODEL"u8.ToArray();
    private const int FormatVersion = 1;

    /// <summary>JSON settings for headers (enums as names, NaN allowed).</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
    };

    private sealed record Header(ModelConfig Config, ModelMetadata Metadata, int FieldCount, int FeatureCount);

    /// <summary>Writes the model atomically.</summary>
    public static void Save(string path, SavedModel saved) => DeepFM.IO.AtomicFile.Write(path, file => Save(file, saved));

    /// <summary>Writes the model file's bytes to <paramref name="stream"/> (e.g. an entry of another container); the
    /// stream is left open and is not flushed to disk.</summary>
    public static void Save(Stream stream, SavedModel saved)
    {
        var file = stream;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var hashing = new HashingWriteStream(file, hash))
        using (var w = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(FormatVersion);
            var model = saved.Model;
            var header = new Header(model.Config, saved.Metadata, model.Space.FieldCount, model.Space.FeatureCount);
            w.Write(JsonSerializer.Serialize(header, Json));
            saved.FeatureMap.Write(w);
            var parameters = model.Parameters();
            w.Write(parameters.Count);
            foreach (var p in parameters)
            {
                w.Write(p.Name);
                w.Write(p.Rows);
                w.Write(p.Cols);
                w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.Value.AsSpan()));
            }
        }
        file.Write(hash.GetHashAndReset());
    }

    /// <summary>Reads a model, checking magic, version, checksum and that every parameter matches the rebuilt network.</summary>
    /// <exception cref="UserInputException">The file is missing, not a model file, from a newer version, or corrupt.</exception>
    public static SavedModel Load(string path)
    {
        RequireRegularFile(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Load(file, path);
    }

    /// <summary>Reads a model from the bytes <see cref="Save(Stream, SavedModel)"/> wrote, with the checks of
    /// <see cref="Load(string)"/>. Reads <paramref name="stream"/> to its end (a non-seekable stream is buffered first).</summary>
    /// <exception cref="UserInputException">The bytes are not a model file, from a newer version, or corrupt.</exception>
    public static SavedModel Load(Stream stream)
    {
        if (stream.CanSeek) return Load(stream, "model stream");
        var buffered = new MemoryStream();
        stream.CopyTo(buffered);
        buffered.Position = 0;
        return Load(buffered, "model stream");
    }

    private static SavedModel Load(Stream file, string path)
    {
        try
        {
            long start = file.Position;
            VerifyChecksum(file, path);
            file.Position = start;
            using var r = new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
            r.ReadBytes(Magic.Length);
            r.ReadInt32();
            var header = JsonSerializer.Deserialize<Header>(r.ReadString(), Json) ?? throw new InvalidDataException("empty header");
            RequireComplete(header);
            var map = FeatureMap.Read(r);
            if (map.FieldCount != header.FieldCount || map.FeatureCount != header.FeatureCount)
                throw new InvalidDataException("feature map does not match the header");
            CtrModel model;
            try { model = ModelRegistry.Create(header.Config, new FeatureSpace(header.FieldCount, header.FeatureCount)); }
            catch (UserInputException e) { throw new InvalidDataException(e.Message, e); } // a stored config: name the file

            var parameters = model.Parameters();
            int count = r.ReadInt32();
            if (count != parameters.Count) throw new InvalidDataException($"{count} parameters stored, the model has {parameters.Count}");
            foreach (var p in parameters)
            {
                string name = r.ReadString();
                int rows = r.ReadInt32(), cols = r.ReadInt32();
                if (name != p.Name || rows != p.Rows || cols != p.Cols)
                    throw new InvalidDataException($"parameter '{name}' {rows}×{cols} does not match '{p.Name}' {p.Rows}×{p.Cols}");
                var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.Value.AsSpan());
                r.BaseStream.ReadExactly(bytes);
            }
            return new SavedModel(model, map, header.Metadata);
        }
        catch (UserInputException) { throw; }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or JsonException or ArgumentException or IOException or FormatException)
        {
            throw new UserInputException($"{path}: not a valid DeepFM model file ({e.Message}).", e);
        }
    }

    /// <summary>JSON leaves out or nulls what a crafted header omits: found by fuzzing (fuzz/, target model), such a
    /// header reached the model builder and failed there with a NullReferenceException. (Enum values are checked by
    /// <see cref="ModelRegistry.Create"/>, which the load's errors name the file for.)</summary>
    private static void RequireComplete(Header header)
    {
        if (header.Config is not { Model: not null, Hidden: not null } || header.Metadata is null)
            throw new InvalidDataException("incomplete header");
    }

    private static void VerifyChecksum(Stream file, string path)
    {
        long start = file.Position;
        long length = file.Length - start;
        Span<byte> head = stackalloc byte[12];
        if (length < Magic.Length + 4 + 32 || file.Read(head) != 12 || !head[..8].SequenceEqual(Magic))
            throw new UserInputException($"{path}: not a DeepFM model file (bad magic bytes).");
        int version = BitConverter.ToInt32(head[8..]);
        if (version != FormatVersion)
            throw new UserInputException($"{path}: model format version {version} is not supported by this version (which reads {FormatVersion}).");
        file.Position = start;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long left = length - 32;
        while (left > 0)
        {
            int n = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n <= 0) throw new EndOfStreamException();
            hash.AppendData(buffer, 0, n);
            left -= n;
        }
        var stored = new byte[32];
        file.ReadExactly(stored);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(stored))
            throw new UserInputException($"{path}: model file is corrupt (checksum mismatch); it was damaged or truncated after it was written.");
    }

    /// <summary>SHA-256 of the whole file, hex (shown by the scoring service).</summary>
    public static string FileChecksum(string path)
    {
        RequireRegularFile(path);
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>A model is read from a regular file only: a device such as <c>/dev/zero</c> or a pipe never ends (the
    /// reader would spin forever), and a folder is a plain mistake.</summary>
    /// <exception cref="UserInputException">The path is missing, a folder, or not a regular file.</exception>
    public static void RequireRegularFile(string path)
    {
        switch (DeepFM.IO.FileIdentity.KindOf(path))
        {
            case DeepFM.IO.FileKind.Missing: throw new UserInputException($"{path}: model file not found.");
            case DeepFM.IO.FileKind.Directory: throw new UserInputException($"{path}: is a folder, not a model file.");
            case DeepFM.IO.FileKind.Other: throw new UserInputException($"{path}: is not a regular file (a device, pipe or socket), so not a model file.");
        }
    }
}
