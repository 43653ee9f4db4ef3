namespace DeepFM.Experiments;

/// <summary>One model's results over the seeds of a comparison (sample standard deviations).</summary>
/// <param name="Model">Registered model name.</param>
/// <param name="Label">The paper's label.</param>
/// <param name="Seeds">Finished runs (seeds).</param>
/// <param name="TestAuc">Mean and standard deviation of test AUC.</param>
/// <param name="TestLogloss">Mean and standard deviation of test logloss.</param>
/// <param name="ValidAuc">Mean and standard deviation of validation AUC.</param>
/// <param name="TrainSeconds">Mean training time.</param>
/// <param name="RelativeTime">Mean training time over LR's mean (or the first model's).</param>
/// <param name="BestCount">Seeds for which this model had the highest test AUC of all models.</param>
public sealed record SeedSummary(string Model, string Label, int Seeds, (double Mean, double Sd) TestAuc, (double Mean, double Sd) TestLogloss,
    (double Mean, double Sd) ValidAuc, double TrainSeconds, double RelativeTime, int BestCount);
