namespace DeepFM.Serialization;

/// <summary>
/// What a checkpoint was trained on, so that a resume on other data is refused: the training file, its size, the
/// row counts of the splits and the feature map's hash (the vocabularies, hence the cache's encoding). <see cref="Run"/>
/// is the caller's own record of how to reopen the data and continue (the CLI keeps its arguments there); the
/// library stores it untouched.
/// </summary>
public sealed record CheckpointData
{
    /// <summary>Training data path (full path), or null for data held in memory.</summary>
    public string? TrainPath { get; init; }

    /// <summary>Size in bytes of <see cref="TrainPath"/> when the checkpoint was written (−1: not recorded).</summary>
    public long TrainFileLength { get; init; } = -1;

    /// <summary>Training rows.</summary>
    public long TrainRows { get; init; }

    /// <summary>Validation rows (0: none).</summary>
    public long ValidRows { get; init; }

    /// <summary><see cref="Features.FeatureMap.Hash"/> of the training data's feature map.</summary>
    public ulong FeatureMapHash { get; init; }

    /// <summary>The caller's record of the run (opaque to the library), e.g. the command line.</summary>
    public string? Run { get; init; }

    /// <summary>Why <paramref name="actual"/> is not the data this checkpoint was trained on, or null when it is.</summary>
    public string? DifferenceFrom(CheckpointData actual)
    {
        if (TrainFileLength >= 0 && actual.TrainFileLength >= 0 && TrainFileLength != actual.TrainFileLength)
            return $"the training file {TrainPath} is now {actual.TrainFileLength:N0} bytes, it was {TrainFileLength:N0}";
        if (TrainRows != actual.TrainRows) return $"the training data has {actual.TrainRows:N0} rows, it had {TrainRows:N0}";
        if (ValidRows != actual.ValidRows) return $"the validation data has {actual.ValidRows:N0} rows, it had {ValidRows:N0}";
        if (FeatureMapHash != actual.FeatureMapHash) return $"the feature map differs (hash {actual.FeatureMapHash:x16}, it was {FeatureMapHash:x16})";
        return null;
    }
}
