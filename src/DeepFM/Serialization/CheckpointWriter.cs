using DeepFM.Features;
using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Serialization;

/// <summary>
/// Writes the trainer's checkpoints to a folder: <c>ckpt-{step}.dfmckpt</c>, atomically, keeping the newest
/// <see cref="Keep"/>. The trainer calls it (as its <see cref="ICheckpointSink"/>) at the points of its schedule.
/// </summary>
public sealed class CheckpointWriter(string directory, FeatureMap featureMap, TrainOptions options, CheckpointData data,
    CheckpointSchedule schedule, int keep = CheckpointWriter.DefaultKeep) : ICheckpointSink
{
    /// <summary>Checkpoints kept by default.</summary>
    public const int DefaultKeep = 3;

    /// <summary>The folder written to.</summary>
    public string Directory { get; } = directory;

    /// <summary>Checkpoints kept (older ones are deleted after each write).</summary>
    public int Keep { get; } = keep >= 1 ? keep : throw new UserInputException("--keep-checkpoints must be at least 1.");

    /// <inheritdoc />
    public CheckpointSchedule Schedule { get; } = schedule;

    /// <summary>The last checkpoint written, if any.</summary>
    public string? LastPath { get; private set; }

    /// <summary>Called with each checkpoint's path after it is written.</summary>
    public Action<string>? Written { get; init; }

    /// <inheritdoc />
    public void Write(CtrModel model, TrainingState state)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string path = Path.Combine(Directory, Checkpoint.FileName(state.Step));
        var metadata = new ModelMetadata { TrainData = data.TrainPath, TrainRows = data.TrainRows, Epochs = state.Epoch, TrainOptions = options.ToString() };
        Checkpoint.Save(path, new Checkpoint { Saved = new SavedModel(model, featureMap, metadata), State = state, Options = options, Data = data });
        Checkpoint.Prune(Directory, Keep);
        LastPath = path;
        Written?.Invoke(path);
    }
}
