namespace DeepFM.Training;

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
