namespace DeepFM.Experiments;

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
