using DeepFM.Engine;

namespace DeepFM.Training;

/// <summary>
/// Everything a training run has accumulated, as one object the trainer reads and advances: where it is (epoch,
/// position in the epoch, step), the optimizer (its per-parameter state keyed by parameter name, its step count and
/// current learning rate), early-stopping and plateau counters, the best weights so far and the history. With the
/// model's parameters, this is all a run depends on: the shuffle order is a function of the epoch
/// (<see cref="ISampler"/>) and dropout masks of the step (<see cref="Layers.Dropout"/>), so no random stream needs
/// saving. Handing the same state back to <see cref="Trainer.Fit(Models.CtrModel, Data.IRowSet, Data.IRowSet?, TrainingState, ITrainingObserver?, CancellationToken, ICheckpointSink?)"/>
/// continues the run exactly where it stopped.
/// </summary>
public sealed class TrainingState
{
    /// <summary>Creates the state of a run that has not started.</summary>
    public TrainingState(Optimizer optimizer) => Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));

    /// <summary>The optimizer, with its state arrays, step count and current learning rate.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The epoch under way or last finished (1-based; 0 before the first).</summary>
    public int Epoch { get; set; }

    /// <summary>Rows of <see cref="Epoch"/>'s order already trained on (the row count once it is finished).</summary>
    public long EpochPosition { get; set; }

    /// <summary>True once <see cref="Epoch"/> has been trained to its end.</summary>
    public bool EpochFinished { get; set; } = true;

    /// <summary>Optimizer steps taken.</summary>
    public long Step { get; set; }

    /// <summary>Whether the model's output bias has been set to the training log-odds (done once, before the first
    /// step; a continued state does not redo it).</summary>
    public bool BiasInitialized { get; set; }

    /// <summary>True when the model starts from trained weights (a warm start): the run neither pre-trains (FNN) nor
    /// sets the output bias to the labels' log-odds, which would undo what the weights already know.</summary>
    public bool WarmStarted { get; set; }

    /// <summary>Training rows processed.</summary>
    public long RowsSeen { get; set; }

    /// <summary>Training time so far (evaluation excluded, pre-training included).</summary>
    public TimeSpan TrainTime { get; set; }

    /// <summary>Sum of loss × rows, and rows, since the epoch started (the progress line's running loss).</summary>
    public double EpochLoss { get; set; }

    /// <inheritdoc cref="EpochLoss"/>
    public long EpochRows { get; set; }

    /// <summary>Sum of loss × rows, and rows, since the previous evaluation (the history's training loss).</summary>
    public double PeriodLoss { get; set; }

    /// <inheritdoc cref="PeriodLoss"/>
    public long PeriodRows { get; set; }

    /// <summary>Best validation AUC so far (−∞ before the first evaluation; NaN without validation data).</summary>
    public double BestAuc { get; set; } = double.NegativeInfinity;

    /// <summary>Validation logloss at <see cref="BestAuc"/>.</summary>
    public double BestLogloss { get; set; } = double.NaN;

    /// <summary>Epoch of <see cref="BestAuc"/>.</summary>
    public int BestEpoch { get; set; }

    /// <summary>Evaluations in a row without improvement (early stopping's patience counter).</summary>
    public int BadEvaluations { get; set; }

    /// <summary>True once early stopping has ended the run.</summary>
    public bool StoppedEarly { get; set; }

    /// <summary>The weights of the best evaluation, by parameter name (kept when the options restore the best).</summary>
    public Dictionary<string, float[]>? Best { get; set; }

    /// <summary>Every evaluation so far, in order.</summary>
    public List<EvaluationRecord> History { get; } = [];

    /// <summary>The pre-training stage's result (FNN's FM), once it has run; null if the model has no such stage.</summary>
    public TrainResult? Pretraining { get; set; }

    /// <summary>Copies the current parameter values into <see cref="Best"/>, reusing its arrays.</summary>
    internal void SnapshotBest(IReadOnlyList<Parameter> parameters)
    {
        Best ??= new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var p in parameters)
        {
            if (!Best.TryGetValue(p.Name, out var copy) || copy.Length != p.Value.Length) Best[p.Name] = copy = new float[p.Value.Length];
            p.Value.CopyTo(copy, 0);
        }
    }

    /// <summary>Writes <see cref="Best"/> (if any) back into the parameters of the same names.</summary>
    public void RestoreBest(IReadOnlyList<Parameter> parameters)
    {
        if (Best is null) return;
        foreach (var p in parameters)
            if (Best.TryGetValue(p.Name, out var copy)) copy.CopyTo(p.Value, 0);
    }
}
