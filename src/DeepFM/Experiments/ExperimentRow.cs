using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Experiments;

/// <summary>The outcome of one finished run.</summary>
/// <param name="Model">Registered model name.</param>
/// <param name="Label">The paper's label of the model (e.g. <c>PNN*</c>).</param>
/// <param name="Setting">The swept value's label (empty in a comparison).</param>
/// <param name="Config">The model's hyper-parameters.</param>
/// <param name="Training">The training loop's settings.</param>
/// <param name="TestAuc">Test AUC of the kept (best-validation) weights; NaN without test rows.</param>
/// <param name="TestLogloss">Test logloss; NaN without test rows.</param>
/// <param name="ValidAuc">Validation AUC of the kept weights; NaN without validation rows.</param>
/// <param name="ValidLogloss">Validation logloss of the kept weights.</param>
/// <param name="Epochs">Epochs run.</param>
/// <param name="BestEpoch">Epoch of the kept weights.</param>
/// <param name="StoppedEarly">Whether early stopping ended training.</param>
/// <param name="TrainSeconds">Training time (pre-training included, evaluation excluded).</param>
/// <param name="Parameters">Trainable parameters.</param>
public sealed record ExperimentRow(string Model, string Label, string Setting, ModelConfig Config, TrainOptions Training,
    double TestAuc, double TestLogloss, double ValidAuc, double ValidLogloss, int Epochs, int BestEpoch, bool StoppedEarly,
    double TrainSeconds, long Parameters)
{
    /// <summary>Training time relative to the baseline of the experiment (Figure 6); set by <see cref="ExperimentResult"/>.</summary>
    public double RelativeTime { get; init; } = double.NaN;

    /// <summary>Why the run has no results (training diverged), or null for a finished run.</summary>
    public string? Failure { get; init; }

    /// <summary>Test normalised entropy (logloss ÷ the entropy of the test CTR); NaN without test rows.</summary>
    public double TestNormalizedEntropy { get; init; } = double.NaN;

    /// <summary>Test calibration ratio (mean prediction ÷ observed CTR); NaN without test rows.</summary>
    public double TestCalibration { get; init; } = double.NaN;
}
