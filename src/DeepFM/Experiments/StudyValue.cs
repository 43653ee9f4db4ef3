using DeepFM.Models;

namespace DeepFM.Experiments;

/// <summary>One value of a swept hyper-parameter.</summary>
/// <param name="Label">How the paper labels it (the keep probability for dropout).</param>
/// <param name="Apply">Sets the value on a base configuration.</param>
public sealed record StudyValue(string Label, Func<ModelConfig, ModelConfig> Apply);
