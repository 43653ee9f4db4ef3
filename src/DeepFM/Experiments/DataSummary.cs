using DeepFM.Pipeline;

namespace DeepFM.Experiments;

/// <summary>Sizes of the splits an experiment ran on.</summary>
/// <param name="TrainRows">Training rows.</param>
/// <param name="ValidRows">Validation rows.</param>
/// <param name="TestRows">Test rows.</param>
/// <param name="Fields">Fields m.</param>
/// <param name="Features">Feature ids.</param>
public sealed record DataSummary(long TrainRows, long ValidRows, long TestRows, int Fields, int Features)
{
    /// <summary>The sizes of loaded splits.</summary>
    public static DataSummary Of(DataSplits s) =>
        new(s.Train.Count, s.Valid?.Count ?? 0, s.Test?.Count ?? 0, s.FeatureMap.FieldCount, s.FeatureMap.FeatureCount);
}
