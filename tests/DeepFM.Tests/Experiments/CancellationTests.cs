using DeepFM.Charts;
using DeepFM.Data;
using DeepFM.Experiments;
using DeepFM.Models;
using DeepFM.Pipeline;
using DeepFM.Training;

namespace DeepFM.Tests.Experiments;

public sealed class CancellationTests : IDisposable
{
    private readonly ExperimentTestData _data = new();

    public void Dispose() => _data.Dispose();

    private DataSpec Spec() => new()
    {
        Train = _data.DataPath,
        Options = new DataOptions { Format = DataFormat.Criteo, MinCount = 1 },
        Split = new SplitOptions { ValidFraction = 0.1, TestFraction = 0.1, Seed = 5 },
        CacheDir = _data.CacheDir,
    };

    private static IReadOnlyList<ExperimentRun> Plan(params string[] models) => Comparison.Plan(models,
        m => new ModelConfig { Model = m, EmbeddingSize = 4, Hidden = [8, 8], Dropout = 0.1f, Seed = 3 },
        m => new TrainOptions { Epochs = 3, BatchSize = 256, Optimizer = m == "lr" ? "ftrl" : "adam", LearningRate = m == "lr" ? 0.05f : 1e-3f, Seed = 3 });

    /// <summary>Cancels when a given run reaches a given point.</summary>
    private sealed class CancelAt(CancellationTokenSource cts, int runIndex, bool duringTraining) : IExperimentObserver, ITrainingObserver
    {
        private int _current = -1;
        public int DataLoads;

        public void OnDataLoaded(DataSplits data) => DataLoads++;

        public ITrainingObserver? OnRunStarting(int index, int count, ExperimentRun run)
        {
            _current = index;
            return this;
        }

        public void OnRunFinished(int index, int count, ExperimentRow row)
        {
            if (!duringTraining && index == runIndex) cts.Cancel();
        }

        public void OnProgress(in TrainProgress progress) { }

        public void OnEvaluation(EvaluationRecord record)
        {
            // After the first epoch of the chosen run: the run is in progress (3 epochs planned).
            if (duringTraining && _current == runIndex) cts.Cancel();
        }
    }

    [Fact]
    public void CancelDuringSecondModel_KeepsTheFirst_AndWritesFiles()
    {
        using var cts = new CancellationTokenSource();
        var observer = new CancelAt(cts, runIndex: 1, duringTraining: true);
        var result = Comparison.Run(Spec(), Plan("lr", "fm", "deepfm"), observer, cts.Token);

        Assert.Equal(1, observer.DataLoads);
        Assert.True(result.Cancelled);
        Assert.Equal(["lr"], result.Rows.Select(r => r.Model).ToArray());
        Assert.Equal(["fm", "deepfm"], result.NotRun.Select(r => r.Model).ToArray());
        Assert.InRange(result.Rows[0].TestAuc, 1e-9, 1 - 1e-9);

        string dir = Path.Combine(_data.Dir, "cancelled");
        var info = new ExperimentInfo("deepfm compare --models lr,fm,deepfm", DateTimeOffset.UtcNow, 3);
        var files = ResultWriter.WriteAll(dir, result, info, new ScottPlotChartRenderer());
        Assert.Contains(Path.Combine(dir, "auc.png"), files);
        var rows = ExperimentTestData.ReadCsv(Path.Combine(dir, "results.csv"));
        Assert.Equal(["lr"], rows.Select(r => r["model"]).ToArray());
        string md = File.ReadAllText(Path.Combine(dir, "results.md"));
        Assert.Contains("| LR |", md);
        Assert.DoesNotContain("| FM |", md);
        Assert.Contains("**Cancelled**: 1 of 3 runs finished; not run: fm, deepfm.", md);
        ExperimentTestData.AssertPng(Path.Combine(dir, "auc.png"));

        // Without a chart renderer (the core library alone): the same text files, no PNG and no image links.
        string plain = Path.Combine(_data.Dir, "cancelled-no-charts");
        var textOnly = ResultWriter.WriteAll(plain, result, info);
        Assert.Equal([Path.Combine(plain, "results.md"), Path.Combine(plain, "results.csv")], textOnly);
        Assert.Empty(Directory.GetFiles(plain, "*.png"));
        Assert.Equal(File.ReadAllText(Path.Combine(dir, "results.csv")), File.ReadAllText(Path.Combine(plain, "results.csv")));
        string plainMd = File.ReadAllText(Path.Combine(plain, "results.md"));
        Assert.DoesNotContain("![", plainMd);
        Assert.Equal(md[..md.IndexOf("\n![", StringComparison.Ordinal)].TrimEnd(), plainMd.TrimEnd());
    }

    [Fact]
    public void CancelBetweenModels_StopsBeforeTheNext()
    {
        using var cts = new CancellationTokenSource();
        var result = Comparison.Run(Spec(), Plan("lr", "fm", "deepfm"), new CancelAt(cts, runIndex: 1, duringTraining: false), cts.Token);
        Assert.True(result.Cancelled);
        Assert.Equal(["lr", "fm"], result.Rows.Select(r => r.Model).ToArray());
        Assert.Equal(["deepfm"], result.NotRun.Select(r => r.Model).ToArray());
        Assert.Equal("lr", result.BaselineModel);
        Assert.Equal(1.0, result.Rows[0].RelativeTime, 9);
    }

    [Fact]
    public void CancelledBeforeStart_WritesEmptyResults()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var result = Comparison.Run(Spec(), Plan("lr"), null, cts.Token);
        Assert.True(result.Cancelled);
        Assert.Empty(result.Rows);
        string dir = Path.Combine(_data.Dir, "empty");
        ResultWriter.WriteAll(dir, result, new ExperimentInfo("deepfm compare", DateTimeOffset.UtcNow, 1));
        Assert.Empty(ExperimentTestData.ReadCsv(Path.Combine(dir, "results.csv")));
        Assert.Contains("0 of 1 runs finished", File.ReadAllText(Path.Combine(dir, "results.md")));
    }
}
