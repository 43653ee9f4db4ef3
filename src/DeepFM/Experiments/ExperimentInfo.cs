namespace DeepFM.Experiments;

/// <summary>What a result file says about how it was made.</summary>
/// <param name="CommandLine">The exact command line.</param>
/// <param name="Date">When the experiment ran.</param>
/// <param name="Seed">Seed of initialisation, dropout, shuffling and the random split.</param>
/// <param name="Parameter">The swept parameter of a study; null for a comparison.</param>
public sealed record ExperimentInfo(string CommandLine, DateTimeOffset Date, long Seed, StudyParameter? Parameter = null)
{
    /// <summary>Describes the data (file names, split).</summary>
    public string? Data { get; init; }

    /// <summary>Further lines for the notes (protocol, per-model settings).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
