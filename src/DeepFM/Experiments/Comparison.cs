using DeepFM.Models;
using DeepFM.Pipeline;
using DeepFM.Training;

namespace DeepFM.Experiments;

/// <summary>
/// The paper's model comparison (Table 2, Figure 6): every model trained under one protocol, on the same split loaded once,
/// with the same seed and early stopping on validation AUC; test AUC/logloss, training time and time relative to LR.
/// </summary>
public static class Comparison
{
    /// <summary>One run per model, with its configuration and training settings.</summary>
    public static IReadOnlyList<ExperimentRun> Plan(IReadOnlyList<string> models, Func<string, ModelConfig> config, Func<string, TrainOptions> training) =>
        [.. models.Select(m => new ExperimentRun(m, "", config(m), training(m)))];

    /// <summary>Loads <paramref name="data"/> once and trains every run on it (see <see cref="ExperimentRunner.Run"/>).</summary>
    public static ExperimentResult Run(DataSpec data, IReadOnlyList<ExperimentRun> runs, IExperimentObserver? observer = null, CancellationToken cancel = default) =>
        Experiment.Run(data, runs, observer, cancel);
}

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
