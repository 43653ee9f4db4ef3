using DeepFM.Data;

namespace DeepFM.Pipeline;

/// <summary>Where the data of a run comes from and how it is read and split.</summary>
public sealed record DataSpec
{
    /// <summary>Training file (raw text, or a cache written by <c>deepfm prepare</c>).</summary>
    public required string Train { get; init; }

    /// <summary>Separate validation file; when null, <see cref="Split"/> carves validation rows out of <see cref="Train"/>.</summary>
    public string? Valid { get; init; }

    /// <summary>Separate test file; when null, <see cref="Split"/> may carve test rows out of <see cref="Train"/>.</summary>
    public string? Test { get; init; }

    /// <summary>Format and feature options.</summary>
    public DataOptions Options { get; init; } = new();

    /// <summary>Seeded random split of <see cref="Train"/>.</summary>
    public SplitOptions Split { get; init; } = new() { ValidFraction = 0.1 };

    /// <summary>Whether the user asked for <see cref="Split"/>'s fractions explicitly. A prepared cache as
    /// <see cref="Train"/> carries its own split; when one was asked for and differs, loading fails with a clear
    /// message instead of silently using the cache's.</summary>
    public bool SplitGiven { get; init; }

    /// <summary>Folder for prepared-data caches (null: the user cache folder).</summary>
    public string? CacheDir { get; init; }

    /// <summary>Encode the training data with this map (a trained model's, possibly extended) instead of building one
    /// from it: a warm start. The encoded rows are a temporary cache, not kept.</summary>
    public Features.FeatureMap? FeatureMap { get; init; }

    /// <summary>Hears how far a prepare has come, when the training file must be prepared.</summary>
    public IProgress<Preparation.PrepareProgress>? Progress { get; init; }
}
