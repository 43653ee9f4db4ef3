using System.Globalization;
using DeepFM.Experiments;
using DeepFM.Pipeline;
using DeepFM.Training;

namespace DeepFM.Cli.Commands;

/// <summary>Progress of an experiment on stderr; keeps results.md/csv current after each finished run.</summary>
internal sealed class CliExperimentObserver(CliIO io, string outDir, ExperimentInfo info, bool quiet, IReadOnlyList<ExperimentRun> runs) : IExperimentObserver
{
    private readonly List<ExperimentRow> _rows = [];
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private DataSummary? _data;

    public void OnDataLoaded(DataSplits s)
    {
        _data = DataSummary.Of(s);
        io.Err.WriteLine(string.Format(CultureInfo.InvariantCulture, "Data: {0:N0} train, {1:N0} valid, {2:N0} test rows; {3} fields, {4:N0} features{5}",
            s.Train.Count, s.Valid?.Count ?? 0, s.Test?.Count ?? 0, s.FeatureMap.FieldCount, s.FeatureMap.FeatureCount,
            s.PrepareTime > TimeSpan.Zero ? $" (prepared in {s.PrepareTime.TotalSeconds:F1} s)" : " (cached)"));
        if (s.Valid is null) io.Err.WriteLine("No validation rows: every model runs all epochs without early stopping.");
        if (s.Test is null) io.Err.WriteLine("No test rows: the test columns stay empty.");
    }

    public ITrainingObserver? OnRunStarting(int index, int count, ExperimentRun run)
    {
        string what = Label(run);
        string network = PaperModels.IsDeep(run.Model)
            ? string.Format(CultureInfo.InvariantCulture, "hidden {0}, {1}, drop rate {2:0.###}, ", run.Config.Hidden.Length == 0 ? "none" : string.Join("-", run.Config.Hidden),
                run.Config.Activation.ToString().ToLowerInvariant(), run.Config.Dropout)
            : "";
        io.Err.WriteLine(string.Format(CultureInfo.InvariantCulture, "[{0}/{1}] {2}: {3}{4} lr {5:G3}",
            index + 1, count, what, network, run.Training.Optimizer, run.Training.LearningRate));
        return new ConsoleProgress(io, what, quiet);
    }

    public void OnRunFinished(int index, int count, ExperimentRow row)
    {
        _rows.Add(row);
        if (row.Failure is not null)
            io.Err.WriteLine($"[{index + 1}/{count}] {Label(runs[index])}: did not finish: {row.Failure}");
        else io.Err.WriteLine(string.Format(CultureInfo.InvariantCulture, "[{0}/{1}] {2}: test AUC {3:F5}  logloss {4:F5}  ({5} epochs, best {6}, {7:F1} s)",
            index + 1, count, Label(runs[index]), row.TestAuc, row.TestLogloss, row.Epochs, row.BestEpoch, row.TrainSeconds));
        if (_data is null) return;
        try
        {
            var partial = new ExperimentResult(_rows, [.. runs.Skip(index + 1)], cancelled: false, _data, _clock.Elapsed);
            Directory.CreateDirectory(outDir);
            File.WriteAllText(Path.Combine(outDir, "results.md"), ResultWriter.Markdown(partial, info));
            File.WriteAllText(Path.Combine(outDir, "results.csv"), ResultWriter.Csv(partial, info));
        }
        catch (IOException e)
        {
            io.Err.WriteLine($"warning: could not update the result files: {e.Message}");
        }
    }

    private static string Label(ExperimentRun run) => run.Setting.Length > 0 ? $"{run.Model} [{run.Setting}]" : run.Model;
}
