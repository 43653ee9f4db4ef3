using DeepFM.Pipeline;
using DeepFM.Training;

namespace DeepFM.Experiments;

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
