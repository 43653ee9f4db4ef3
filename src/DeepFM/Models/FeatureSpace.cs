namespace DeepFM.Models;

/// <summary>Shape of the input: m fields, and the total number of feature ids (rows of the embedding table).</summary>
/// <param name="FieldCount">Number of fields m.</param>
/// <param name="FeatureCount">Number of distinct feature ids over all fields.</param>
public sealed record FeatureSpace(int FieldCount, int FeatureCount);
