namespace DeepFM.Training;

/// <summary>When the trainer hands its model and state to an <see cref="ICheckpointSink"/>: every
/// <see cref="EverySteps"/> steps, every <see cref="Every"/> of wall-clock time, and at each epoch's end (whichever
/// comes first; each at most once per step). Writing a checkpoint never changes the run's results.</summary>
public sealed record CheckpointSchedule
{
    /// <summary>Steps between checkpoints (0 = not by steps).</summary>
    public long EverySteps { get; init; }

    /// <summary>Wall-clock time between checkpoints (null = not by time).</summary>
    public TimeSpan? Every { get; init; }

    /// <summary>Also at the end of each epoch.</summary>
    public bool AtEpochEnd { get; init; } = true;

    /// <summary>Whether a checkpoint is due after step <paramref name="step"/>.</summary>
    public bool IsDue(long step, bool endOfEpoch, TimeSpan sinceLast) =>
        (EverySteps > 0 && step % EverySteps == 0) || (AtEpochEnd && endOfEpoch) || (Every is { } t && sinceLast >= t);
}
