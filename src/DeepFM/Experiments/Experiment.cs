using DeepFM.Pipeline;

namespace DeepFM.Experiments;

/// <summary>Loading the data once for a list of runs.</summary>
public static class Experiment
{
    /// <summary>Loads the splits once, reports them to the observer, and runs <paramref name="runs"/> on them.</summary>
    public static ExperimentResult Run(DataSpec data, IReadOnlyList<ExperimentRun> runs, IExperimentObserver? observer = null,
        CancellationToken cancel = default)
    {
        using var splits = DataLoader.Load(data);
        observer?.OnDataLoaded(splits);
        return ExperimentRunner.Run(splits, runs, observer, cancel, data.Train);
    }
}
