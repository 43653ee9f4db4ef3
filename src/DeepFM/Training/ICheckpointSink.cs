using DeepFM.Models;

namespace DeepFM.Training;

/// <summary>
/// Receives the model and the training state at a consistent point of a run — after a step (and the evaluation due
/// at it) has completed, before the next one starts — when <see cref="Schedule"/> says a checkpoint is due. The sink
/// may read both (to write a checkpoint) but must change neither; the trainer knows nothing of files.
/// </summary>
public interface ICheckpointSink
{
    /// <summary>When checkpoints are due.</summary>
    CheckpointSchedule Schedule { get; }

    /// <summary>Saves <paramref name="model"/>'s current weights and <paramref name="state"/>.</summary>
    void Write(CtrModel model, TrainingState state);
}
