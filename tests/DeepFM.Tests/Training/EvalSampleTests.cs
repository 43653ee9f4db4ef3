using DeepFM.Data;
using DeepFM.Evaluation;
using DeepFM.Models;
using DeepFM.Pipeline;
using DeepFM.Synthetic;
using DeepFM.Training;

namespace DeepFM.Tests.Training;

/// <summary><c>--eval-sample</c>: validations during training score a fixed sample of the validation rows (the same
/// rows each time, drawn from the seed), while the run's final metrics use all of them.</summary>
public sealed class EvalSampleTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void SampleIsFixedDistinctAndOrdered()
    {
        var rows = new InMemoryRowSet(1, [.. Enumerable.Range(0, 100)], new float[100], new float[100]);   // row r holds id r
        IRowSet a = SampledRowSet.Sample(rows, 10, seed: 7);
        IRowSet b = SampledRowSet.Sample(rows, 10, seed: 7);
        Assert.Equal(10, a.Count);
        Assert.Same(rows, SampledRowSet.Sample(rows, 100, 7));   // no more rows than asked: the set itself
        Assert.Same(rows, SampledRowSet.Sample(rows, 0, 7));
        var batchA = a.CreateBatch(10);
        var batchB = b.CreateBatch(10);
        a.Slice(0, 10, batchA);
        b.Slice(0, 10, batchB);
        Assert.Equal(batchA.Ids.ToArray(), batchB.Ids.ToArray());
        Assert.Equal(batchA.Ids.ToArray().Distinct().Order(), batchA.Ids.ToArray());   // distinct rows, in the source's order
        Assert.NotEqual(batchA.Ids.ToArray(), Read(SampledRowSet.Sample(rows, 10, seed: 8)));   // another seed, another sample
    }

    private static int[] Read(IRowSet rows)
    {
        var batch = rows.CreateBatch(rows.Count);
        rows.Slice(0, rows.Count, batch);
        return batch.Ids.ToArray();
    }

    [Fact]
    public void ValidationsScoreTheSampleAndTheFinalMetricsAllRows()
    {
        string data = _dir.File("s.tsv");
        CriteoSynth.Generate(new SynthOptions { Rows = 8000, Seed = 3 }, data, null);
        using var splits = DataLoader.Load(new DataSpec { Train = data, Options = new DataOptions { MinCount = 2 }, Split = new SplitOptions { ValidFraction = 0.25, Seed = 1 }, CacheDir = _dir.Path });
        var options = new TrainOptions { Epochs = 1, BatchSize = 256, EvalSampleRows = 300, Seed = 11 };
        var trained = ModelTrainer.Train(splits, new ModelConfig { Model = "fm" }, options);
        var record = trained.Training.History[^1];

        // The recorded validation AUC is the model's AUC on exactly the seeded sample (the model ends on these weights:
        // one epoch, one validation, so the best is the last).
        var sample = SampledRowSet.Sample(splits.Valid!, 300, 11);
        var p = Predictor.Predict(trained.Saved.Model, sample);
        Assert.Equal(Metrics.Auc(p, Predictor.Labels(sample)), record.ValidAuc, 12);
        Assert.Equal(splits.Valid!.Count, trained.Valid!.Value.Rows);   // final metrics on every validation row
        Assert.NotEqual(trained.Valid!.Value.Auc, record.ValidAuc);
    }
}
