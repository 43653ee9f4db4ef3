using System.Runtime.InteropServices;
using System.Security.Cryptography;
using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Models;
using DeepFM.Pipeline;
using DeepFM.Serialization;
using DeepFM.Synthetic;
using DeepFM.Training;

namespace DeepFM.Tests.Training;

/// <summary>
/// Exact resume in one process: a run stopped after its k-th checkpoint (and some lost steps after it), then continued
/// from the newest checkpoint in a fresh model object, must end on bitwise the same parameters, history and counters
/// as a run that never stopped — for DeepFM with dropout and batch norm (masks keyed by step and row, running
/// statistics in the file) and for FM with lazy Adam (per-row moments, step count). Mid-epoch evaluations with
/// plateau decay put the learning rate and patience counters into the state too.
/// </summary>
public sealed class CheckpointResumeTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly DataSplits _data;

    public CheckpointResumeTests()
    {
        string path = _dir.File("train.tsv");
        CriteoSynth.Generate(new SynthOptions { Rows = 3000, Seed = 5 }, path, null);
        _data = DataLoader.Load(new DataSpec { Train = path, Options = new DataOptions { MinCount = 2 }, Split = new SplitOptions { ValidFraction = 0.2, Seed = 1 }, CacheDir = _dir.Path });
    }

    public void Dispose()
    {
        _data.Dispose();
        _dir.Dispose();
    }

    public static TheoryData<string, int> Cases => new()
    {
        { "deepfm", 1 }, { "deepfm", 4 }, { "deepfm", 9 },
        { "fm", 2 }, { "fm", 7 },
    };

    private static (ModelConfig, TrainOptions) Settings(string model) => model switch
    {
        "deepfm" => (new ModelConfig { Model = "deepfm", EmbeddingSize = 4, Hidden = [16, 16], Dropout = 0.3f, BatchNorm = true, Seed = 3 },
            new TrainOptions { Epochs = 3, BatchSize = 128, EvalEverySteps = 7, Patience = 50, LrDecayOnPlateau = 0.5f, Seed = 4 }),
        _ => (new ModelConfig { Model = "fm", EmbeddingSize = 4, Seed = 3 },
            new TrainOptions { Epochs = 3, BatchSize = 128, Optimizer = "adam", LearningRate = 0.01f, EvalEverySteps = 7, Patience = 50, LrDecayOnPlateau = 0.5f, Seed = 4 }),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ResumedRunEndsBitwiseWhereTheUninterruptedOneDoes(string modelName, int stopAfterCheckpoint)
    {
        var (config, options) = Settings(modelName);
        var space = new FeatureSpace(_data.FeatureMap.FieldCount, _data.FeatureMap.FeatureCount);

        var reference = ModelRegistry.Create(config, space);
        var expected = new Trainer(options).Fit(reference, _data.Train, _data.Valid);

        // The interrupted run: checkpoints every 5 steps; it is stopped 3 steps after its k-th (those steps are lost).
        string ckDir = Path.Combine(_dir.Path, $"ck-{modelName}-{stopAfterCheckpoint}");
        var resolved = options.ResolveFor(config.Model);
        var dataId = new CheckpointData { TrainRows = _data.Train.Count, ValidRows = _data.Valid!.Count, FeatureMapHash = _data.FeatureMap.Hash };
        using var cancel = new CancellationTokenSource();
        int written = 0;
        long stopAt = -1;
        var writer = new CheckpointWriter(ckDir, _data.FeatureMap, resolved, dataId, new CheckpointSchedule { EverySteps = 5, AtEpochEnd = true }, keep: 2)
        {
            Written = _ => written++,
        };
        var sink = new StoppingSink(writer, () => written == stopAfterCheckpoint, cancel, extraSteps: 3);
        var first = ModelRegistry.Create(config, space);
        var state = new TrainingState(Optimizer.Create(resolved.Optimizer!, resolved.LearningRate!.Value));
        var partial = new Trainer(options).Fit(first, _data.Train, _data.Valid, state, cancel: sink.Token, checkpoints: sink);
        Assert.True(partial.Cancelled, "the run should have been stopped");
        stopAt = state.Step;

        // The newest file on disk is the k-th checkpoint: the steps after it are lost, as in a crash.
        Assert.Equal(stopAfterCheckpoint, written);
        Assert.True(Checkpoint.List(ckDir).Count is >= 1 and <= 2, "keep 2");
        var loaded = Checkpoint.LoadNewestValid(ckDir)!;
        Assert.NotNull(loaded);
        Assert.True(loaded.State.Step < stopAt, $"checkpoint at step {loaded.State.Step} should precede the stop at {stopAt}");
        loaded.RequireSameData(dataId);

        var resumedModel = loaded.Saved.Model;
        var resumed = new Trainer(loaded.Options).Fit(resumedModel, _data.Train, _data.Valid, loaded.State);

        Assert.Equal(Hash(reference), Hash(resumedModel));
        Assert.Equal(expected.History.Count, resumed.History.Count);
        for (int i = 0; i < expected.History.Count; i++)
        {
            Assert.Equal(expected.History[i].Step, resumed.History[i].Step);
            Assert.Equal(expected.History[i].ValidAuc, resumed.History[i].ValidAuc);
            Assert.Equal(expected.History[i].LearningRate, resumed.History[i].LearningRate);
            Assert.Equal(expected.History[i].TrainLoss, resumed.History[i].TrainLoss);
        }
        Assert.Equal(expected.BestValidAuc, resumed.BestValidAuc);
        Assert.Equal(expected.RowsSeen, resumed.RowsSeen);
    }

    [Fact]
    public void ResumeOnOtherDataIsRefusedNamingTheDifference()
    {
        var (config, options) = Settings("fm");
        var resolved = options.ResolveFor(config.Model);
        var space = new FeatureSpace(_data.FeatureMap.FieldCount, _data.FeatureMap.FeatureCount);
        var dataId = new CheckpointData { TrainRows = _data.Train.Count, ValidRows = _data.Valid!.Count, FeatureMapHash = _data.FeatureMap.Hash };
        string ckDir = Path.Combine(_dir.Path, "ck-other");
        var writer = new CheckpointWriter(ckDir, _data.FeatureMap, resolved, dataId, new CheckpointSchedule { EverySteps = 10 });
        var state = new TrainingState(Optimizer.Create(resolved.Optimizer!, resolved.LearningRate!.Value));
        new Trainer(options with { Epochs = 1 }).Fit(ModelRegistry.Create(config, space), _data.Train, _data.Valid, state, checkpoints: writer);
        var loaded = Checkpoint.LoadNewestValid(ckDir)!;
        var e = Assert.Throws<UserInputException>(() => loaded.RequireSameData(dataId with { TrainRows = dataId.TrainRows + 1 }));
        Assert.Contains("rows", e.Message);
        e = Assert.Throws<UserInputException>(() => loaded.RequireSameData(dataId with { FeatureMapHash = dataId.FeatureMapHash ^ 1 }));
        Assert.Contains("feature map", e.Message);
    }

    [Fact]
    public void TornAndCorruptCheckpointsAreSkippedForTheNewestValidOne()
    {
        var (config, options) = Settings("fm");
        var resolved = options.ResolveFor(config.Model);
        var space = new FeatureSpace(_data.FeatureMap.FieldCount, _data.FeatureMap.FeatureCount);
        var dataId = new CheckpointData { TrainRows = _data.Train.Count, ValidRows = _data.Valid!.Count, FeatureMapHash = _data.FeatureMap.Hash };
        string ckDir = Path.Combine(_dir.Path, "ck-torn");
        var writer = new CheckpointWriter(ckDir, _data.FeatureMap, resolved, dataId, new CheckpointSchedule { EverySteps = 4, AtEpochEnd = false }, keep: 3);
        var state = new TrainingState(Optimizer.Create(resolved.Optimizer!, resolved.LearningRate!.Value));
        new Trainer(options with { Epochs = 1 }).Fit(ModelRegistry.Create(config, space), _data.Train, _data.Valid, state, checkpoints: writer);
        var files = Checkpoint.List(ckDir);
        Assert.Equal(3, files.Count);

        // Newest torn (cut short), the one before it with one flipped byte: the oldest is the newest valid one.
        byte[] newest = File.ReadAllBytes(files[2]);
        File.WriteAllBytes(files[2], newest[..(newest.Length / 2)]);
        byte[] middle = File.ReadAllBytes(files[1]);
        middle[middle.Length / 3] ^= 0x40;
        File.WriteAllBytes(files[1], middle);
        var skipped = new List<string>();
        var loaded = Checkpoint.LoadNewestValid(ckDir, skipped.Add);
        Assert.NotNull(loaded);
        Assert.Equal(files[0], loaded.Path);
        Assert.Equal(2, skipped.Count);
        Assert.All(skipped, m => Assert.Contains("checkpoint", m));

        // Not a checkpoint at all, and an empty file: clear messages, no stack trace.
        File.WriteAllText(files[0], "hello");
        var e = Assert.Throws<UserInputException>(() => Checkpoint.Load(files[0]));
        Assert.Contains("not a DeepFM checkpoint", e.Message);
        File.WriteAllBytes(files[0], []);
        Assert.Throws<UserInputException>(() => Checkpoint.Load(files[0]));
        Assert.Null(Checkpoint.LoadNewestValid(ckDir));
    }

    private static string Hash(CtrModel model)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in model.Parameters().OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(p.Name));
            sha.AppendData(MemoryMarshal.AsBytes(p.Value.AsSpan()));
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    /// <summary>Passes checkpoints to the writer; once <paramref name="stopWhen"/> holds, lets
    /// <paramref name="extraSteps"/> more steps run (work the "crash" loses) and then cancels the run.</summary>
    private sealed class StoppingSink(ICheckpointSink inner, Func<bool> stopWhen, CancellationTokenSource cancel, int extraSteps) : ICheckpointSink
    {
        private long _stopStep = -1;

        public CancellationToken Token => cancel.Token;

        public CheckpointSchedule Schedule => _stopStep < 0 ? inner.Schedule : new CheckpointSchedule { EverySteps = 1, AtEpochEnd = true };

        public void Write(CtrModel model, TrainingState state)
        {
            if (_stopStep >= 0)
            {
                // Called every step after the stop point: count the lost steps, write nothing.
                if (state.Step >= _stopStep + extraSteps) cancel.Cancel();
                return;
            }
            inner.Write(model, state);
            if (stopWhen()) _stopStep = state.Step;
        }
    }
}
