namespace DeepFM.Training;

/// <summary>Receives the trainer's progress: a live line, one entry per validation, and the end.</summary>
public interface ITrainingObserver
{
    /// <summary>Called every few steps with running figures.</summary>
    void OnProgress(in TrainProgress progress);

    /// <summary>Called after each validation.</summary>
    void OnEvaluation(EvaluationRecord record);
}

/// <summary>Running figures for a progress line.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Step">Steps taken in this run.</param>
/// <param name="EpochFraction">Fraction of the current epoch done.</param>
/// <param name="RowsPerSecond">Training rows per second since the epoch started.</param>
/// <param name="Loss">Mean training loss since the epoch started.</param>
/// <param name="EpochEta">Estimated time left in this epoch.</param>
public readonly record struct TrainProgress(int Epoch, long Step, double EpochFraction, double RowsPerSecond, double Loss, TimeSpan EpochEta);

/// <summary>One validation result in the training history.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Step">Steps taken when evaluated.</param>
/// <param name="TrainLoss">Mean training loss since the previous evaluation.</param>
/// <param name="ValidAuc">Validation AUC (NaN without validation data).</param>
/// <param name="ValidLogloss">Validation logloss.</param>
/// <param name="LearningRate">Learning rate in use during the period.</param>
/// <param name="Improved">Whether this is the best validation AUC so far.</param>
/// <param name="Elapsed">Training time so far (evaluation excluded).</param>
public sealed record EvaluationRecord(int Epoch, long Step, double TrainLoss, double ValidAuc, double ValidLogloss, float LearningRate, bool Improved, TimeSpan Elapsed)
{
    /// <summary>Validation normalised entropy (logloss ÷ entropy of the validation CTR); NaN without validation data.</summary>
    public double ValidNormalizedEntropy { get; init; } = double.NaN;

    /// <summary>Validation calibration ratio (mean prediction ÷ CTR); NaN without validation data.</summary>
    public double ValidCalibration { get; init; } = double.NaN;
}

/// <summary>The outcome of a training run.</summary>
/// <param name="History">Every validation, in order.</param>
/// <param name="BestEpoch">Epoch of the best validation AUC (the weights kept).</param>
/// <param name="BestValidAuc">Best validation AUC.</param>
/// <param name="BestValidLogloss">Validation logloss at that point.</param>
/// <param name="Epochs">Epochs run.</param>
/// <param name="TrainTime">Time spent training (pre-training included, evaluation excluded).</param>
/// <param name="RowsSeen">Training rows processed.</param>
/// <param name="StoppedEarly">Whether early stopping ended the run.</param>
/// <param name="Cancelled">Whether the run was cancelled.</param>
public sealed record TrainResult(IReadOnlyList<EvaluationRecord> History, int BestEpoch, double BestValidAuc, double BestValidLogloss,
    int Epochs, TimeSpan TrainTime, long RowsSeen, bool StoppedEarly, bool Cancelled)
{
    /// <summary>The pre-training stage's result (FNN's FM stage), for models that have one.</summary>
    public TrainResult? Pretraining { get; init; }

    /// <summary>Training rows per second.</summary>
    public double RowsPerSecond => TrainTime.TotalSeconds > 0 ? RowsSeen / TrainTime.TotalSeconds : 0;
}
