using System.Diagnostics;
using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Evaluation;
using DeepFM.Models;

namespace DeepFM.Training;

/// <summary>
/// Mini-batch training of any <see cref="CtrModel"/>: shuffled epochs, sigmoid cross-entropy, gradient reduction,
/// clipping and an optimizer step; validation every epoch (or every N steps) with early stopping on validation AUC,
/// learning-rate decay on plateaus, and the best weights kept. It knows nothing of any one model.
/// </summary>
public sealed class Trainer
{
    private readonly TrainOptions _options;
    private readonly IGradientReducer _reducer;
    private readonly ISampler _sampler;

    /// <summary>Creates a trainer. <paramref name="reducer"/> combines gradients across processes (none: one process);
    /// <paramref name="sampler"/> orders each epoch (none: a full shuffle seeded by <see cref="TrainOptions.Seed"/>).</summary>
    public Trainer(TrainOptions options, IGradientReducer? reducer = null, ISampler? sampler = null)
    {
        if (options.BatchSize < 1) throw new UserInputException("--batch-size must be at least 1.");
        if (options.Epochs < 1) throw new UserInputException("--epochs must be at least 1.");
        if (options.LearningRate is { } lr && !(lr > 0)) throw new UserInputException("--lr must be positive.");
        if (options.Patience < 1) throw new UserInputException("--patience must be at least 1.");
        if (!(options.LrDecayOnPlateau > 0 && options.LrDecayOnPlateau <= 1)) throw new UserInputException("--lr-decay must be in (0, 1].");
        if (options.ClipNorm < 0) throw new UserInputException("--clip-norm must be non-negative (0 = off).");
        if (!(options.MinImprovement >= 0)) throw new UserInputException("--min-delta must be non-negative.");
        if (options.EvalEverySteps < 0) throw new UserInputException("--eval-every must be non-negative (0 = every epoch).");
        if (options.EvalSampleRows < 0) throw new UserInputException("--eval-sample must be non-negative (0 = every validation row).");
        if (options.Optimizer is { } name) _ = Optimizer.Create(name, options.LearningRate ?? ModelDefaults.LearningRate(name));   // unknown names fail before any data is read
        _options = options;
        if (options.Threads < 0) throw new UserInputException("--threads must be non-negative (0 = all cores).");
        _reducer = reducer ?? LocalGradientReducer.Instance;
        _sampler = sampler ?? new ShuffleSampler(options.Seed);
    }

    /// <summary>Trains <paramref name="model"/> on <paramref name="train"/>, validating on <paramref name="valid"/> when given.</summary>
    public TrainResult Fit(CtrModel model, IRowSet train, IRowSet? valid, ITrainingObserver? observer = null,
        CancellationToken cancel = default, Optimizer? optimizer = null)
    {
        var options = _options.ResolveFor(model.Config.Model);
        var state = new TrainingState(optimizer ?? Optimizer.Create(options.Optimizer!, options.LearningRate!.Value));
        var result = Fit(model, train, valid, state, observer, cancel);
        // Nothing can continue this run, so a cancelled one also ends on its best weights.
        if (result.Cancelled) state.RestoreBest(model.Parameters());
        return result;
    }

    /// <summary>Trains <paramref name="model"/> from <paramref name="state"/> (a new one, or one a previous call left,
    /// which it continues exactly: same order, same masks, same updates as if it had never stopped) until the epochs
    /// run out, early stopping ends the run, or <paramref name="cancel"/> fires; advances <paramref name="state"/>.
    /// A finished run ends on the best weights (when the options restore them); a cancelled one keeps its latest, so
    /// that it can be continued (<see cref="TrainingState.RestoreBest"/> applies the best).</summary>
    /// <remarks>A <c>checkpoints</c> sink, when given, receives the model and state whenever its schedule says a
    /// checkpoint is due (after a completed step and its evaluation, a point from which this method continues exactly).</remarks>
    public TrainResult Fit(CtrModel model, IRowSet train, IRowSet? valid, TrainingState state, ITrainingObserver? observer = null,
        CancellationToken cancel = default, ICheckpointSink? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        // Unset options take the defaults of the model being trained (ModelDefaults).
        var options = _options.ResolveFor(model.Config.Model);
        if (train.Count == 0) throw new UserInputException("The training data has no rows.");
        if (valid is { Count: 0 }) valid = null;
        if (valid is not null) valid = SampledRowSet.Sample(valid, _options.EvalSampleRows, _options.Seed);
        // Validation labels are read once; each evaluation then only scores the rows.
        float[]? validLabels = valid is null ? null : Predictor.Labels(valid);
        if (validLabels is not null) RequireBothClasses(validLabels, "validation");
        var compute = ComputeContext.Default.WithThreads(_options.Threads);
        var trainClock = new Stopwatch();
        if (model is IPretrainedModel pre && state.Pretraining is null && state.Step == 0 && !state.WarmStarted)
        {
            trainClock.Start();
            state.Pretraining = Pretrain(pre, train, valid, options, observer, cancel);
            trainClock.Stop();
        }

        if (options.InitializeBiasToLogOdds && state.Step == 0 && !state.BiasInitialized && !state.WarmStarted)
        {
            InitializeBias(model, train);
            state.BiasInitialized = true;
        }

        var optimizer = state.Optimizer;
        var parameters = model.Parameters();
        var order = new int[train.Count];
        var batch = train.CreateBatch(Math.Min(_options.BatchSize, train.Count));
        var gradLogits = new Matrix();
        var ws = new Workspace(isTraining: true, compute);
        var evalWs = new Workspace(isTraining: false, compute);
        bool cancelled = false;
        var timeBefore = state.TrainTime;
        bool stop = state.StoppedEarly;
        var checkpointClock = Stopwatch.StartNew();
        long lastCheckpointStep = state.Step;

        while (!stop && !(state.EpochFinished && state.Epoch >= _options.Epochs))
        {
            if (state.EpochFinished)
            {
                state.Epoch++;
                state.EpochPosition = 0;
                state.EpochFinished = false;
                state.EpochLoss = 0;
                state.EpochRows = 0;
            }
            int epoch = state.Epoch;
            _sampler.Order(epoch, order);
            var epochClock = Stopwatch.StartNew();
            long rowsAtStart = state.EpochRows;
            trainClock.Start();
            for (int start = (int)state.EpochPosition; start < order.Length && !stop; start = (int)state.EpochPosition)
            {
                if (CancelNow(cancel)) { cancelled = stop = true; break; }
                int count = Math.Min(batch.Capacity, order.Length - start);
                // This process's fixed slice of the step's rows (all of them in one process; see IGradientReducer).
                int lo = Slice(count, _reducer.Rank), local = Slice(count, _reducer.Rank + 1) - lo;
                double lossSum = 0;
                if (local > 0)
                {
                    train.Gather(order.AsSpan(start + lo, local), batch);
                    ws.Step = state.Step;
                    ws.RowOffset = lo;
                    ws.BatchGroup = count >= _reducer.Processes ? _reducer.BatchGroup : null;   // shared statistics need rows on every process
                    ws.BatchRows = count;
                    var logits = model.Forward(batch, ws);
                    gradLogits.Reshape(local, 1);
                    lossSum = SigmoidCrossEntropy.ComputeSum(logits.Span, batch.Labels, gradLogits.Span, count);
                }
                double loss = _reducer.Sum(lossSum) / count;
                if (double.IsNaN(loss)) throw new TrainingDivergedException($"Training diverged (loss is NaN) at epoch {epoch}, step {state.Step}; lower --lr or check for extreme input values.");
                if (local > 0) model.Backward(gradLogits, ws);
                _reducer.Reduce(parameters);
                if (_options.ClipNorm > 0) ClipGradients(parameters, _options.ClipNorm);
                optimizer.BatchRows = count;
                optimizer.Step(parameters, compute);
                state.Step++;
                state.RowsSeen += count;
                state.EpochPosition = start + count;
                state.EpochLoss += loss * count;
                state.EpochRows += count;
                state.PeriodLoss += loss * count;
                state.PeriodRows += count;
                bool endOfEpoch = start + count >= order.Length;
                if (endOfEpoch) state.EpochFinished = true;

                if (observer is not null && (state.Step % 10 == 0 || endOfEpoch))
                {
                    double seconds = epochClock.Elapsed.TotalSeconds;
                    double rate = (state.EpochRows - rowsAtStart) / Math.Max(seconds, 1e-9);
                    double fraction = (double)(start + count) / order.Length;
                    var eta = TimeSpan.FromSeconds((order.Length - start - count) / Math.Max(rate, 1e-9));
                    observer.OnProgress(new TrainProgress(epoch, state.Step, fraction, rate, state.EpochLoss / state.EpochRows, eta));
                }

                bool evalNow = _options.EvalEverySteps > 0
                    ? state.Step % _options.EvalEverySteps == 0 || (endOfEpoch && epoch == _options.Epochs)
                    : endOfEpoch;
                if (evalNow)
                {
                    trainClock.Stop();
                    Evaluate(model, valid, validLabels, options, state, parameters, evalWs, observer, timeBefore + trainClock.Elapsed);
                    if (state.StoppedEarly) stop = true;
                    trainClock.Start();
                }

                // The step and its evaluation are complete: a checkpoint taken here continues exactly.
                if (checkpoints is not null && (checkpoints.Schedule.IsDue(state.Step, endOfEpoch, checkpointClock.Elapsed) || state.StoppedEarly))
                {
                    trainClock.Stop();
                    state.TrainTime = timeBefore + trainClock.Elapsed;
                    checkpoints.Write(model, state);
                    lastCheckpointStep = state.Step;
                    checkpointClock.Restart();
                    trainClock.Start();
                }
            }
            trainClock.Stop();
        }

        state.TrainTime = timeBefore + trainClock.Elapsed;
        // A cancelled run (Ctrl-C) leaves a checkpoint of where it stopped, so nothing since the last one is lost.
        if (cancelled && checkpoints is not null && state.Step != lastCheckpointStep) checkpoints.Write(model, state);
        if (!cancelled && state.Best is not null) state.RestoreBest(parameters);
        return new TrainResult(state.History.ToArray(), state.BestEpoch, state.BestAuc, state.BestLogloss, state.Epoch, state.TrainTime,
            state.RowsSeen, StoppedEarly: state.StoppedEarly && !cancelled, Cancelled: cancelled) { Pretraining = state.Pretraining };
    }

    /// <summary>Whether to stop before the next step. Processes sharing steps decide together (any one's request stops
    /// all at the same step), or those that went on would wait for the others for ever.</summary>
    private bool CancelNow(CancellationToken cancel)
    {
        bool mine = cancel.IsCancellationRequested;
        return _reducer.Processes == 1 ? mine : _reducer.Sum(mine ? 1 : 0) > 0;
    }

    /// <summary>Where slice <paramref name="index"/> of a step's <paramref name="count"/> rows starts when the
    /// reducer's processes share them.</summary>
    private int Slice(int count, int index) => (int)((long)count * index / _reducer.Processes);

    /// <summary>Validation predictions, each process scoring its slice of the rows and the reducer gathering them, so
    /// every process computes the same AUC from the same numbers (and so takes the same early-stopping decision).</summary>
    private float[] PredictShared(CtrModel model, IRowSet valid, Workspace evalWs, int batchSize)
    {
        if (_reducer.Processes == 1) return Predictor.Predict(model, valid, evalWs, batchSize);
        var all = new float[valid.Count];
        int lo = Slice(valid.Count, _reducer.Rank), hi = Slice(valid.Count, _reducer.Rank + 1);
        Predictor.Predict(model, valid, lo, all.AsSpan(lo, hi - lo), evalWs, batchSize);
        _reducer.GatherSlices(all);
        return all;
    }

    /// <summary>Sets the model's output bias to the log-odds of the training labels (clamped away from ±∞ for data of
    /// one class).</summary>
    private static void InitializeBias(CtrModel model, IRowSet train)
    {
        if (model.OutputBias is not { } bias) return;
        double p = Math.Clamp(Predictor.PositiveRate(train), 1e-6, 1 - 1e-6);
        bias.Value[0] = (float)Math.Log(p / (1 - p));
    }

    /// <summary>One validation: records it, keeps the best weights, and on a plateau lowers the learning rate and
    /// runs down the patience.</summary>
    private void Evaluate(CtrModel model, IRowSet? valid, float[]? validLabels, TrainOptions options, TrainingState state,
        IReadOnlyList<Parameter> parameters, Workspace evalWs, ITrainingObserver? observer, TimeSpan trainTime)
    {
        var optimizer = state.Optimizer;
        double auc = double.NaN, logloss = double.NaN, ne = double.NaN, calibration = double.NaN;
        bool improved;
        if (valid is not null)
        {
            var result = EvalResult.Of(PredictShared(model, valid, evalWs, Math.Max(options.BatchSize, Predictor.DefaultBatchSize)), validLabels);
            (auc, logloss, ne, calibration) = (result.Auc, result.Logloss, result.NormalizedEntropy, result.CalibrationRatio);
            improved = auc > state.BestAuc + options.MinImprovement;
        }
        else
        {
            improved = true;   // nothing to compare: keep the latest weights
        }
        var record = new EvaluationRecord(state.Epoch, state.Step, state.PeriodLoss / Math.Max(1, state.PeriodRows), auc, logloss,
            optimizer.LearningRate, improved, trainTime) { ValidNormalizedEntropy = ne, ValidCalibration = calibration };
        state.History.Add(record);
        observer?.OnEvaluation(record);
        state.PeriodLoss = 0;
        state.PeriodRows = 0;
        if (improved)
        {
            state.BestAuc = valid is null ? double.NaN : auc;
            state.BestLogloss = logloss;
            state.BestEpoch = state.Epoch;
            state.BadEvaluations = 0;
            if (options.RestoreBest && valid is not null) state.SnapshotBest(parameters);
        }
        else
        {
            state.BadEvaluations++;
            optimizer.LearningRate = Math.Max(options.MinLearningRate, optimizer.LearningRate * options.LrDecayOnPlateau);
            if (state.BadEvaluations >= options.Patience) state.StoppedEarly = true;
        }
    }

    /// <summary>Runs a model's pre-training stage (FNN's FM) under these options, with early stopping and the best
    /// weights kept, and hands the trained stage to the model. The stage's validations stay in its own result; the
    /// observer sees its live progress only.</summary>
    private TrainResult Pretrain(IPretrainedModel model, IRowSet train, IRowSet? valid, TrainOptions options, ITrainingObserver? observer, CancellationToken cancel)
    {
        var stage = model.CreatePretrainingModel();
        var stageObserver = observer is null ? null : new ProgressOnly(observer);
        var result = new Trainer(options with { RestoreBest = true }, _reducer, _sampler).Fit(stage, train, valid, stageObserver, cancel);
        model.InitializeFrom(stage);
        return result;
    }

    /// <summary>Forwards a stage's live progress but not its validations: the caller's history is of the model's own
    /// epochs, and the two would otherwise share epoch numbers.</summary>
    private sealed class ProgressOnly(ITrainingObserver inner) : ITrainingObserver
    {
        public void OnProgress(in TrainProgress progress) => inner.OnProgress(progress);

        public void OnEvaluation(EvaluationRecord record) { }
    }

    private static void RequireBothClasses(float[] labels, string what)
    {
        bool positive = false, negative = false;
        foreach (float y in labels) { if (y > 0.5f) positive = true; else negative = true; }
        if (!(positive && negative))
            throw new UserInputException($"The {what} rows all have label {(positive ? 1 : 0)}: AUC needs both classes, so early stopping cannot work. Use a larger or different {what} split.");
    }

    /// <summary>Scales all gradients so their global L2 norm is at most <paramref name="maxNorm"/>.</summary>
    public static void ClipGradients(IReadOnlyList<Parameter> parameters, float maxNorm)
    {
        double sq = 0;
        for (int i = 0; i < parameters.Count; i++)   // for, not foreach: no boxed enumerator per step
        {
            var p = parameters[i];
            if (!p.IsTrainable) continue;
            if (p.Touched is { } t)
                foreach (int r in t.Rows) sq += System.Numerics.Tensors.TensorPrimitives.SumOfSquares(p.GradRow(r));
            else
                sq += System.Numerics.Tensors.TensorPrimitives.SumOfSquares(p.Grad);
        }
        double norm = Math.Sqrt(sq);
        if (norm <= maxNorm) return;
        float scale = (float)(maxNorm / (norm + 1e-6));
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (!p.IsTrainable) continue;
            if (p.Touched is { } t)
                foreach (int r in t.Rows) System.Numerics.Tensors.TensorPrimitives.Multiply(p.GradRow(r), scale, p.GradRow(r));
            else
                System.Numerics.Tensors.TensorPrimitives.Multiply(p.Grad, scale, p.Grad);
        }
    }
}
