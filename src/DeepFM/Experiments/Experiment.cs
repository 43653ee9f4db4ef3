using System.Diagnostics;
using DeepFM.Models;
using DeepFM.Pipeline;
using DeepFM.Training;

namespace DeepFM.Experiments;

/// <summary>One training run of an experiment: a model under one setting.</summary>
/// <param name="Model">Registered model name.</param>
/// <param name="Setting">The swept value's label in a study (e.g. <c>tanh</c>, <c>0.9</c>); empty in a comparison.</param>
/// <param name="Config">The model's hyper-parameters.</param>
/// <param name="Training">The training loop's settings.</param>
public sealed record ExperimentRun(string Model, string Setting, ModelConfig Config, TrainOptions Training);

/// <summary>The outcome of one finished run.</summary>
/// <param name="Model">Registered model name.</param>
/// <param name="Label">The paper's label of the model (e.g. <c>PNN*</c>).</param>
/// <param name="Setting">The swept value's label (empty in a comparison).</param>
/// <param name="Config">The model's hyper-parameters.</param>
/// <param name="Training">The training loop's settings.</param>
/// <param name="TestAuc">Test AUC of the kept (best-validation) weights; NaN without test rows.</param>
/// <param name="TestLogloss">Test logloss; NaN without test rows.</param>
/// <param name="ValidAuc">Validation AUC of the kept weights; NaN without validation rows.</param>
/// <param name="ValidLogloss">Validation logloss of the kept weights.</param>
/// <param name="Epochs">Epochs run.</param>
/// <param name="BestEpoch">Epoch of the kept weights.</param>
/// <param name="StoppedEarly">Whether early stopping ended training.</param>
/// <param name="TrainSeconds">Training time (pre-training included, evaluation excluded).</param>
/// <param name="Parameters">Trainable parameters.</param>
public sealed record ExperimentRow(string Model, string Label, string Setting, ModelConfig Config, TrainOptions Training,
    double TestAuc, double TestLogloss, double ValidAuc, double ValidLogloss, int Epochs, int BestEpoch, bool StoppedEarly,
    double TrainSeconds, long Parameters)
{
    /// <summary>Training time relative to the baseline of the experiment (Figure 6); set by <see cref="ExperimentResult"/>.</summary>
    public double RelativeTime { get; init; } = double.NaN;

    /// <summary>Why the run has no results (training diverged), or null for a finished run.</summary>
    public string? Failure { get; init; }

    /// <summary>Test normalised entropy (logloss ÷ the entropy of the test CTR); NaN without test rows.</summary>
    public double TestNormalizedEntropy { get; init; } = double.NaN;

    /// <summary>Test calibration ratio (mean prediction ÷ observed CTR); NaN without test rows.</summary>
    public double TestCalibration { get; init; } = double.NaN;
}

/// <summary>Receives an experiment's progress.</summary>
public interface IExperimentObserver
{
    /// <summary>The data is loaded (once, before the first run).</summary>
    void OnDataLoaded(DataSplits data) { }

    /// <summary>A run starts (<paramref name="index"/> is 0-based of <paramref name="count"/>); may return an observer of its training loop.</summary>
    ITrainingObserver? OnRunStarting(int index, int count, ExperimentRun run) => null;

    /// <summary>A run finished and its row is kept.</summary>
    void OnRunFinished(int index, int count, ExperimentRow row) { }
}

/// <summary>Rows of an experiment, with what was left undone when it was cancelled.</summary>
public sealed class ExperimentResult
{
    /// <summary>Builds the result and fills <see cref="ExperimentRow.RelativeTime"/>: relative to LR when LR ran, else to the first model.</summary>
    public ExperimentResult(IReadOnlyList<ExperimentRow> rows, IReadOnlyList<ExperimentRun> notRun, bool cancelled, DataSummary data, TimeSpan elapsed)
    {
        var finished = rows.Where(r => r.Failure is null).ToList();
        var baseline = finished.FirstOrDefault(r => string.Equals(r.Model, "lr", StringComparison.OrdinalIgnoreCase)) ?? finished.FirstOrDefault();
        BaselineModel = baseline?.Model;
        double t0 = baseline?.TrainSeconds ?? double.NaN;
        Rows = [.. rows.Select(r => r with { RelativeTime = t0 > 0 ? r.TrainSeconds / t0 : double.NaN })];
        NotRun = notRun;
        Cancelled = cancelled;
        Data = data;
        Elapsed = elapsed;
    }

    /// <summary>Finished runs, in run order.</summary>
    public IReadOnlyList<ExperimentRow> Rows { get; }

    /// <summary>Runs that did not finish (cancelled, or not started), in run order.</summary>
    public IReadOnlyList<ExperimentRun> NotRun { get; }

    /// <summary>Whether the experiment was cancelled before every run finished.</summary>
    public bool Cancelled { get; }

    /// <summary>Model whose training time is the unit of <see cref="ExperimentRow.RelativeTime"/> (null without rows).</summary>
    public string? BaselineModel { get; }

    /// <summary>Sizes of the data the runs shared.</summary>
    public DataSummary Data { get; }

    /// <summary>Wall time of the whole experiment (data loading included).</summary>
    public TimeSpan Elapsed { get; }
}

/// <summary>Sizes of the splits an experiment ran on.</summary>
/// <param name="TrainRows">Training rows.</param>
/// <param name="ValidRows">Validation rows.</param>
/// <param name="TestRows">Test rows.</param>
/// <param name="Fields">Fields m.</param>
/// <param name="Features">Feature ids.</param>
public sealed record DataSummary(long TrainRows, long ValidRows, long TestRows, int Fields, int Features)
{
    /// <summary>The sizes of loaded splits.</summary>
    public static DataSummary Of(DataSplits s) =>
        new(s.Train.Count, s.Valid?.Count ?? 0, s.Test?.Count ?? 0, s.FeatureMap.FieldCount, s.FeatureMap.FeatureCount);
}

/// <summary>Trains a list of runs, one after the other, on the same loaded splits.</summary>
public static class ExperimentRunner
{
    /// <summary>
    /// Runs <paramref name="runs"/> in order on <paramref name="data"/>. On cancellation the run in progress stops and is dropped
    /// (its weights are half-trained); the finished rows are returned with <see cref="ExperimentResult.Cancelled"/> set.
    /// </summary>
    public static ExperimentResult Run(DataSplits data, IReadOnlyList<ExperimentRun> runs, IExperimentObserver? observer = null,
        CancellationToken cancel = default, string? trainPath = null)
    {
        var clock = Stopwatch.StartNew();
        var rows = new List<ExperimentRow>();
        int done = 0;
        bool cancelled = false;
        for (; done < runs.Count; done++)
        {
            if (cancel.IsCancellationRequested) { cancelled = true; break; }
            var run = runs[done];
            var trainingObserver = observer?.OnRunStarting(done, runs.Count, run);
            TrainedModel trained;
            try
            {
                trained = ModelTrainer.Train(data, run.Config, run.Training, trainingObserver, cancel, trainPath);
            }
            catch (TrainingDivergedException e)
            {
                // One model's settings diverging does not void the others: keep a row that says so and go on.
                var failed = new ExperimentRow(run.Model, PaperModels.Label(run.Model), run.Setting, run.Config, run.Training,
                    double.NaN, double.NaN, double.NaN, double.NaN, 0, 0, false, double.NaN, 0) { Failure = e.Message };
                rows.Add(failed);
                observer?.OnRunFinished(done, runs.Count, failed);
                continue;
            }
            var t = trained.Training;
            if (t.Cancelled) { cancelled = true; break; }
            var row = new ExperimentRow(run.Model, PaperModels.Label(run.Model), run.Setting, run.Config, run.Training,
                trained.Test?.Auc ?? double.NaN, trained.Test?.Logloss ?? double.NaN,
                trained.Valid?.Auc ?? double.NaN, trained.Valid?.Logloss ?? double.NaN,
                t.Epochs, t.BestEpoch, t.StoppedEarly, t.TrainTime.TotalSeconds, trained.Saved.Model.ParameterCount())
            {
                TestNormalizedEntropy = trained.Test?.NormalizedEntropy ?? double.NaN,
                TestCalibration = trained.Test?.CalibrationRatio ?? double.NaN,
            };
            rows.Add(row);
            observer?.OnRunFinished(done, runs.Count, row);
        }
        var notRun = runs.Skip(done).ToList();
        return new ExperimentResult(rows, notRun, cancelled, DataSummary.Of(data), clock.Elapsed);
    }
}
