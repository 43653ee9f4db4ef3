using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DeepFM.Training;

namespace DeepFM.Serialization;

/// <summary>
/// A training checkpoint: the model (an embedded model file: config, feature map, weights), the full
/// <see cref="TrainingState"/> (position, optimizer with its per-parameter state by name, learning rate and steps,
/// counters, history, best-weights snapshot, pre-training result), the <see cref="TrainOptions"/> in force and the
/// data's identity. From it, <see cref="Trainer.Fit(Models.CtrModel, Data.IRowSet, Data.IRowSet?, TrainingState, ITrainingObserver?, CancellationToken, ICheckpointSink?)"/>
/// continues the run bitwise exactly as if it had never stopped.
/// </summary>
/// <remarks>The file (<c>ckpt-{step}.dfmckpt</c>): magic <c>DFMCKPT\0</c>, format version, a JSON header (options,
/// data identity, state scalars and history), the optimizer state arrays and the best snapshot (name, length,
/// float32 values), the model file's bytes, and a SHA-256 of all preceding bytes. Written to a temporary name,
/// flushed to disk and renamed, so a crash leaves either the previous checkpoints or a complete new one.</remarks>
public sealed class Checkpoint
{
    private static readonly byte[] Magic = "DFMCKPT\0"u8.ToArray();
    private const int FormatVersion = 1;

    /// <summary>File name extension of checkpoints.</summary>
    public const string Extension = ".dfmckpt";

    /// <summary>The model, its feature map and metadata.</summary>
    public required SavedModel Saved { get; init; }

    /// <summary>The training state, bound to <see cref="Saved"/>'s parameters by name.</summary>
    public required TrainingState State { get; init; }

    /// <summary>The training options in force (resolved for the model).</summary>
    public required TrainOptions Options { get; init; }

    /// <summary>What it was trained on.</summary>
    public required CheckpointData Data { get; init; }

    /// <summary>The file it was read from (null for one not read from a file).</summary>
    public string? Path { get; init; }

    /// <summary>The name of the checkpoint of step <paramref name="step"/> (sorts by step).</summary>
    public static string FileName(long step) => "ckpt-" + step.ToString("D12", CultureInfo.InvariantCulture) + Extension;

    private sealed record Header(TrainOptions Options, CheckpointData Data, StateHeader State);

    private sealed record StateHeader(string Optimizer, float LearningRate, long OptimizerSteps, int Epoch, long EpochPosition,
        bool EpochFinished, long Step, bool BiasInitialized, long RowsSeen, TimeSpan TrainTime, double EpochLoss, long EpochRows,
        double PeriodLoss, long PeriodRows, double BestAuc, double BestLogloss, int BestEpoch, int BadEvaluations, bool StoppedEarly,
        EvaluationRecord[] History, TrainResult? Pretraining, bool WarmStarted = false);

    /// <summary>Writes <paramref name="checkpoint"/> to <paramref name="path"/> atomically (temporary, fsync, rename).</summary>
    public static void Save(string path, Checkpoint checkpoint) => DeepFM.IO.AtomicFile.Write(path, file => Save(file, checkpoint));

    /// <summary>Writes the checkpoint's bytes to <paramref name="stream"/> (left open, not flushed to disk).</summary>
    public static void Save(Stream stream, Checkpoint checkpoint)
    {
        var s = checkpoint.State;
        var optimizer = s.Optimizer;
        string name = optimizer.GetType().Name.ToLowerInvariant();
        if (Optimizer.Create(name, optimizer.LearningRate).GetType() != optimizer.GetType())
            throw new NotSupportedException($"Optimizer {optimizer.GetType().Name} cannot be checkpointed (not one of Optimizer.Create's).");
        var header = new Header(checkpoint.Options, checkpoint.Data, new StateHeader(name, optimizer.LearningRate, optimizer.Steps,
            s.Epoch, s.EpochPosition, s.EpochFinished, s.Step, s.BiasInitialized, s.RowsSeen, s.TrainTime, s.EpochLoss, s.EpochRows,
            s.PeriodLoss, s.PeriodRows, s.BestAuc, s.BestLogloss, s.BestEpoch, s.BadEvaluations, s.StoppedEarly, [.. s.History], s.Pretraining, s.WarmStarted));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var hashing = new HashingWriteStream(stream, hash))
        {
            using (var w = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Magic);
                w.Write(FormatVersion);
                w.Write(JsonSerializer.Serialize(header, ModelFile.Json));
                var states = optimizer.StateByName.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
                w.Write(states.Count);
                foreach (var (key, arrays) in states)
                {
                    w.Write(key);
                    w.Write(arrays.Length);
                    foreach (var a in arrays) WriteFloats(w, a);
                }
                if (s.Best is null) w.Write(-1);
                else
                {
                    var best = s.Best.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
                    w.Write(best.Count);
                    foreach (var (key, values) in best)
                    {
                        w.Write(key);
                        WriteFloats(w, values);
                    }
                }
            }
            ModelFile.Save(hashing, checkpoint.Saved);
        }
        stream.Write(hash.GetHashAndReset());
    }

    private static void WriteFloats(BinaryWriter w, float[] values)
    {
        w.Write(values.Length);
        w.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static float[] ReadFloats(BinaryReader r, long maxLength)
    {
        int n = r.ReadInt32();
        if (n < 0 || n > maxLength) throw new InvalidDataException($"array length {n} out of range");
        var values = new float[n];
        r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    /// <summary>Reads a checkpoint into fresh objects (a new model built from its config, a new optimizer and state).</summary>
    /// <exception cref="UserInputException">The file is missing, not a checkpoint, from another format version, torn or corrupt.</exception>
    public static Checkpoint Load(string path)
    {
        switch (DeepFM.IO.FileIdentity.KindOf(path))
        {
            case DeepFM.IO.FileKind.Missing: throw new UserInputException($"{path}: checkpoint not found.");
            case DeepFM.IO.FileKind.Directory: throw new UserInputException($"{path}: is a folder, not a checkpoint file (use Checkpoint.LoadNewestValid for a folder).");
            case DeepFM.IO.FileKind.Other: throw new UserInputException($"{path}: is not a regular file, so not a checkpoint.");
        }
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            VerifyChecksum(file, path);
            file.Position = 0;
            using var r = new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
            r.ReadBytes(Magic.Length);
            r.ReadInt32();
            var header = JsonSerializer.Deserialize<Header>(r.ReadString(), ModelFile.Json) ?? throw new InvalidDataException("empty header");
            // A crafted header may null what JSON lets it (found by fuzzing: fuzz/, target checkpoint, a null optimizer
            // name reached Optimizer.Create as a NullReferenceException).
            if (header.Options is null || header.Data is null || header.State is null || header.State.Optimizer is null)
                throw new InvalidDataException("incomplete header");
            var h = header.State;
            long maxLength = file.Length;
            int stateCount = r.ReadInt32();
            if (stateCount < 0) throw new InvalidDataException("negative optimizer state count");
            var states = new List<(string Name, float[][] Arrays)>(Math.Min(stateCount, 1 << 16));
            for (int i = 0; i < stateCount; i++)
            {
                string key = r.ReadString();
                int arrays = r.ReadInt32();
                if (arrays is < 0 or > 16) throw new InvalidDataException($"optimizer state '{key}' has {arrays} arrays");
                var a = new float[arrays][];
                for (int j = 0; j < arrays; j++) a[j] = ReadFloats(r, maxLength);
                states.Add((key, a));
            }
            int bestCount = r.ReadInt32();
            Dictionary<string, float[]>? best = null;
            if (bestCount >= 0)
            {
                best = new Dictionary<string, float[]>(StringComparer.Ordinal);
                for (int i = 0; i < bestCount; i++)
                {
                    string key = r.ReadString();
                    best[key] = ReadFloats(r, maxLength);
                }
            }
            else if (bestCount != -1) throw new InvalidDataException("bad best-snapshot count");
            long modelStart = file.Position;
            SavedModel saved;
            try
            {
                saved = ModelFile.Load(new BoundedReadStream(file, modelStart, file.Length - 32 - modelStart));
            }
            catch (UserInputException e)
            {
                throw new InvalidDataException("embedded model: " + e.Message, e);
            }

            // Bind the state to the rebuilt model's parameters by name, checking every name and length.
            var parameters = saved.Model.Parameters().ToDictionary(p => p.Name, StringComparer.Ordinal);
            var optimizer = Optimizer.Create(h.Optimizer, h.LearningRate);
            optimizer.Steps = h.OptimizerSteps;
            foreach (var (key, arrays) in states)
            {
                if (!parameters.TryGetValue(key, out var p)) throw new InvalidDataException($"optimizer state for '{key}', which the model does not have");
                if (arrays.Any(a => a.Length != p.Value.Length)) throw new InvalidDataException($"optimizer state for '{key}' does not match its {p.Value.Length} values");
                optimizer.SetState(key, arrays);
            }
            if (best is not null)
                foreach (var (key, values) in best)
                    if (!parameters.TryGetValue(key, out var p) || p.Value.Length != values.Length)
                        throw new InvalidDataException($"best snapshot of '{key}' does not match the model");
            var state = new TrainingState(optimizer)
            {
                Epoch = h.Epoch, EpochPosition = h.EpochPosition, EpochFinished = h.EpochFinished, Step = h.Step,
                BiasInitialized = h.BiasInitialized, RowsSeen = h.RowsSeen, TrainTime = h.TrainTime, EpochLoss = h.EpochLoss,
                EpochRows = h.EpochRows, PeriodLoss = h.PeriodLoss, PeriodRows = h.PeriodRows, BestAuc = h.BestAuc,
                BestLogloss = h.BestLogloss, BestEpoch = h.BestEpoch, BadEvaluations = h.BadEvaluations, StoppedEarly = h.StoppedEarly,
                Best = best, Pretraining = h.Pretraining, WarmStarted = h.WarmStarted,
            };
            state.History.AddRange(h.History ?? []);
            return new Checkpoint { Saved = saved, State = state, Options = header.Options, Data = header.Data, Path = path };
        }
        catch (UserInputException) { throw; }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or JsonException or ArgumentException or IOException or FormatException or NotSupportedException)
        {
            throw new UserInputException($"{path}: not a valid DeepFM checkpoint ({e.Message}).", e);
        }
    }

    private static void VerifyChecksum(FileStream file, string path)
    {
        long length = file.Length;
        Span<byte> head = stackalloc byte[12];
        int read = file.Read(head);
        if (read < Magic.Length || !head[..Magic.Length].SequenceEqual(Magic))
            throw new UserInputException($"{path}: not a DeepFM checkpoint (bad magic bytes).");
        if (read < 12) throw new UserInputException($"{path}: checkpoint is truncated ({length} bytes).");
        int version = BitConverter.ToInt32(head[8..]);
        if (version != FormatVersion)
            throw new UserInputException($"{path}: checkpoint format version {version} is not supported by this version (which reads {FormatVersion}).");
        if (length < Magic.Length + 4 + 32) throw new UserInputException($"{path}: checkpoint is truncated ({length} bytes).");
        file.Position = 0;
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
            throw new UserInputException($"{path}: checkpoint is corrupt (checksum mismatch); it was damaged or truncated after it was written.");
    }

    /// <summary>The checkpoint files in <paramref name="directory"/>, oldest (lowest step) first.</summary>
    public static IReadOnlyList<string> List(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        return Directory.EnumerateFiles(directory, "ckpt-*" + Extension)
            .Where(p => System.IO.Path.GetFileName(p).Length == FileName(0).Length)
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Reads the newest checkpoint of <paramref name="directory"/> that is valid, skipping torn or corrupt
    /// ones (each reported to <paramref name="skipped"/> with the reason); null when there is none.</summary>
    /// <exception cref="UserInputException">The folder does not exist.</exception>
    public static Checkpoint? LoadNewestValid(string directory, Action<string>? skipped = null)
    {
        if (!Directory.Exists(directory)) throw new UserInputException($"{directory}: checkpoint folder not found.");
        foreach (string path in List(directory).Reverse())
        {
            try
            {
                return Load(path);
            }
            catch (UserInputException e)
            {
                skipped?.Invoke($"Skipping {e.Message}");
            }
        }
        return null;
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints of <paramref name="directory"/>, and
    /// the temporaries of writers that died.</summary>
    public static void Prune(string directory, int keep)
    {
        var all = List(directory);
        for (int i = 0; i < all.Count - Math.Max(1, keep); i++)
        {
            try { File.Delete(all[i]); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        if (!Directory.Exists(directory)) return;
        foreach (string tmp in Directory.EnumerateFiles(directory, "ckpt-*" + Extension + ".tmp-*").ToList())
        {
            string output = tmp[..(tmp.IndexOf(Extension + ".tmp-", StringComparison.Ordinal) + Extension.Length)];
            DeepFM.IO.TempFiles.RemoveStale(output);
        }
    }

    /// <summary>Fails unless <paramref name="actual"/> is the data this checkpoint was trained on.</summary>
    /// <exception cref="UserInputException">It is not, naming the difference.</exception>
    public void RequireSameData(CheckpointData actual)
    {
        if (Data.DifferenceFrom(actual) is { } why)
            throw new UserInputException($"{Path ?? "checkpoint"}: cannot resume on different data: {why}. Resume on the data it was trained on, or start a new run.");
    }
}
