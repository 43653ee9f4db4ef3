using System.Text;
using DeepFM.Data;
using DeepFM.Models;
using DeepFM.Preparation;
using DeepFM.Serialization;
using DeepFM.Training;

namespace DeepFM.Tests.Reliability;

/// <summary>One small file of every persisted format, made once for <see cref="CorruptionTests"/>: a model file, a
/// checkpoint, fixed-width caches with and without a values section, a jagged cache and a bare feature map.</summary>
public sealed class CorruptionSamples : IDisposable
{
    private readonly TempDir _dir = new();

    public CorruptionSamples()
    {
        var rnd = new Random(7);
        var flat = new StringBuilder("y,a,b,x\n");
        var multi = new StringBuilder("y,a,g\n");
        for (int i = 0; i < 300; i++)
        {
            flat.Append(rnd.Next(2)).Append(",a").Append(rnd.Next(12)).Append(",b").Append(rnd.Next(4)).Append(',').Append(rnd.Next(50) - 5).Append('\n');
            multi.Append(rnd.Next(2)).Append(",a").Append(rnd.Next(9)).Append(',')
                .AppendJoin('|', Enumerable.Range(0, rnd.Next(4)).Select(_ => "g" + rnd.Next(6))).Append('\n');
        }
        string flatCsv = _dir.Write("flat.csv", flat.ToString()), multiCsv = _dir.Write("multi.csv", multi.ToString());
        var split = new SplitOptions { ValidFraction = 0.2, TestFraction = 0.1, Seed = 3 };
        var valueOptions = new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=y;cat=a,b;num=x"), NumericEncoding = NumericEncoding.Value };
        FixedCache = _dir.File("fixed.cache");
        using (var p = DataPipeline.Prepare(flatCsv, FixedCache, valueOptions, split)) Assert.True(p.Count > 0);
        NoValuesCache = _dir.File("novalues.cache");
        using (var p = DataPipeline.Prepare(flatCsv, NoValuesCache, valueOptions with { CsvSchema = CsvSchema.Parse("label=y;cat=a,b,x") }, split))
            Assert.True(p.Count > 0);
        JaggedCache = _dir.File("jagged.cache");
        using (var p = DataPipeline.Prepare(multiCsv, JaggedCache, new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=y;cat=a;multi=g:|") }, split))
            Assert.True(p.All.IsJagged);

        using var data = DataPipeline.Open(FixedCache);
        var map = data.FeatureMap;
        var config = new ModelConfig { Model = "deepfm", EmbeddingSize = 3, Hidden = [4], BatchNorm = true, Seed = 1 };
        var space = new FeatureSpace(map.FieldCount, map.FeatureCount);
        var options = new TrainOptions { Epochs = 1, BatchSize = 64, Optimizer = "adam", Seed = 2 };
        var resolved = options.ResolveFor(config.Model);
        var model = ModelRegistry.Create(config, space);
        var checkpoints = new CheckpointWriter(_dir.File("ck"), map, resolved,
            new CheckpointData { TrainRows = data.Train.Count, ValidRows = data.Valid.Count, FeatureMapHash = map.Hash },
            new CheckpointSchedule { EverySteps = 2, AtEpochEnd = false }, keep: 1);
        var state = new TrainingState(Optimizer.Create(resolved.Optimizer!, resolved.LearningRate!.Value));
        new Trainer(options).Fit(model, data.Train, data.Valid, state, checkpoints: checkpoints);
        Checkpoint = DeepFM.Serialization.Checkpoint.List(_dir.File("ck")).Single();
        Model = _dir.File("model.dfm");
        ModelFile.Save(Model, new SavedModel(model, map, new ModelMetadata { TrainRows = data.Train.Count, Epochs = 1 }));
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true)) map.Write(w);
        FeatureMapBytes = ms.ToArray();
    }

    public string Model { get; }
    public string Checkpoint { get; }
    public string FixedCache { get; }
    public string NoValuesCache { get; }
    public string JaggedCache { get; }
    public byte[] FeatureMapBytes { get; }

    /// <summary>A folder for the damaged copies.</summary>
    internal TempDir Scratch { get; } = new();

    public void Dispose()
    {
        Scratch.Dispose();
        _dir.Dispose();
    }
}
