using System.Diagnostics;
using DeepFM.Pipeline;
using DeepFM.Training;

namespace DeepFM.Experiments;

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
