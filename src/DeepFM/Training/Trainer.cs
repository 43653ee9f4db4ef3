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

    /// <summary>Creates a trainer.</summary>
    public Trainer(TrainOptions options, IGradientReducer? reducer = null)
    {
        if (options.BatchSize < 1) throw new UserInputException("--batch-size must be at least 1.");
        if (options.Epochs < 1) throw new UserInputException("--epochs must be at least 1.");
        if (options.LearningRate is { } lr && !(lr > 0)) throw new UserInputException("--lr must be positive.");
        if (options.Patience < 1) throw new UserInputException("--patience must be at least 1.");
        if (!(options.LrDecayOnPlateau > 0 && options.LrDecayOnPlateau <= 1)) throw new UserInputException("--lr-decay must be in (0, 1].");
        if (options.ClipNorm < 0) throw new UserInputException("--clip-norm must be non-negative (0 = off).");
        if (!(options.MinImprovement >= 0)) throw new UserInputException("--min-delta must be non-negative.");
        if (options.EvalEverySteps < 0) throw new UserInputException("--eval-every must be non-negative (0 = every epoch).");
        if (options.Optimizer is { } name) _ = Optimizer.Create(name, options.LearningRate ?? ModelDefaults.LearningRate(name));   // unknown names fail before any data is read
        _options = options;
        _reducer = reducer ?? LocalGradientReducer.Instance;
    }

    /// <summary>Trains <paramref name="model"/> on <paramref name="train"/>, validating on <paramref name="valid"/> when given.</summary>
    public TrainResult Fit(CtrModel model, IRowSet train, IRowSet? valid, ITrainingObserver? observer = null,
        CancellationToken cancel = default, Optimizer? optimizer = null)
    {
        // Unset options take the defaults of the model being trained (ModelDefaults).
        var options = _options.ResolveFor(model.Config.Model);
        if (train.Count == 0) throw new UserInputException("The training data has no rows.");
        if (valid is { Count: 0 }) valid = null;
        // Validation labels are read once; each evaluation then only scores the rows.
        float[]? validLabels = valid is null ? null : Predictor.Labels(valid);
        if (validLabels is not null) RequireBothClasses(validLabels, "validation");
        var trainClock = new Stopwatch();
        trainClock.Start();
        if (model is IPretrainedModel pre) pre.Pretrain(train, valid, options, observer, cancel);
        trainClock.Stop();

        optimizer ??= Optimizer.Create(options.Optimizer!, options.LearningRate!.Value);
        var parameters = model.Parameters();
        var rows = new int[train.Count];
        for (int i = 0; i < rows.Length; i++) rows[i] = i;
        var rng = Rng.Derive(_options.Seed, 7919);
        var batch = new Batch(Math.Min(_options.BatchSize, train.Count), train.FieldCount);
        var gradLogits = new Matrix();
        var history = new List<EvaluationRecord>();
        float[][]? best = null;
        double bestAuc = double.NegativeInfinity, bestLogloss = double.NaN;
        int bestEpoch = 0, badEvaluations = 0, epoch = 0;
        long step = 0, rowsSeen = 0;
        bool stop = false, cancelled = false;
        double periodLoss = 0;
        long periodRows = 0;

        model.SetTraining(true);
        while (!stop && epoch < _options.Epochs)
        {
            epoch++;
            rng.Shuffle(rows);
            var epochClock = Stopwatch.StartNew();
            double epochLoss = 0;
            long epochRows = 0;
            trainClock.Start();
            for (int start = 0; start < rows.Length && !stop; start += batch.Capacity)
            {
                if (cancel.IsCancellationRequested) { cancelled = stop = true; break; }
                int count = Math.Min(batch.Capacity, rows.Length - start);
                train.Gather(rows.AsSpan(start, count), batch);
                var logits = model.Forward(batch);
                gradLogits.Reshape(count, 1);
                double loss = SigmoidCrossEntropy.Compute(logits.Span, batch.Labels, gradLogits.Span);
                if (double.IsNaN(loss)) throw new TrainingDivergedException($"Training diverged (loss is NaN) at epoch {epoch}, step {step}; lower --lr or check for extreme input values.");
                model.Backward(gradLogits);
                _reducer.Reduce(parameters);
                if (_options.ClipNorm > 0) ClipGradients(parameters, _options.ClipNorm);
                optimizer.BatchRows = count;
                optimizer.Step(parameters);
                step++;
                rowsSeen += count;
                epochLoss += loss * count;
                epochRows += count;
                periodLoss += loss * count;
                periodRows += count;

                if (observer is not null && (step % 10 == 0 || start + count >= rows.Length))
                {
                    double seconds = epochClock.Elapsed.TotalSeconds;
                    double rate = epochRows / Math.Max(seconds, 1e-9);
                    double fraction = (double)(start + count) / rows.Length;
                    var eta = TimeSpan.FromSeconds((rows.Length - start - count) / Math.Max(rate, 1e-9));
                    observer.OnProgress(new TrainProgress(epoch, step, fraction, rate, epochLoss / epochRows, eta));
                }

                bool endOfEpoch = start + count >= rows.Length;
                bool evalNow = _options.EvalEverySteps > 0 ? step % _options.EvalEverySteps == 0 || (endOfEpoch && epoch == _options.Epochs) : endOfEpoch;
                if (!evalNow) continue;

                trainClock.Stop();
                double auc = double.NaN, logloss = double.NaN;
                bool improved;
                if (valid is not null)
                {
                    var result = EvalResult.Of(Predictor.Predict(model, valid, Math.Max(_options.BatchSize, Predictor.DefaultBatchSize)), validLabels);
                    (auc, logloss) = (result.Auc, result.Logloss);
                    improved = auc > bestAuc + _options.MinImprovement;
                }
                else
                {
                    improved = true;   // nothing to compare: keep the latest weights
                }
                var record = new EvaluationRecord(epoch, step, periodLoss / Math.Max(1, periodRows), auc, logloss, optimizer.LearningRate, improved, trainClock.Elapsed);
                history.Add(record);
                observer?.OnEvaluation(record);
                periodLoss = 0;
                periodRows = 0;
                if (improved)
                {
                    bestAuc = valid is null ? double.NaN : auc;
                    bestLogloss = logloss;
                    bestEpoch = epoch;
                    badEvaluations = 0;
                    if (_options.RestoreBest && valid is not null) best = Snapshot(parameters, best);
                }
                else
                {
                    badEvaluations++;
                    optimizer.LearningRate = Math.Max(_options.MinLearningRate, optimizer.LearningRate * _options.LrDecayOnPlateau);
                    if (badEvaluations >= _options.Patience) stop = true;
                }
                model.SetTraining(true);
                trainClock.Start();
            }
            trainClock.Stop();
        }

        if (best is not null) Restore(parameters, best);
        model.SetTraining(false);
        return new TrainResult(history, bestEpoch, bestAuc, bestLogloss, epoch, trainClock.Elapsed, rowsSeen,
            StoppedEarly: stop && !cancelled, Cancelled: cancelled);
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

    private static float[][] Snapshot(IReadOnlyList<Parameter> parameters, float[][]? into)
    {
        into ??= parameters.Select(p => new float[p.Value.Length]).ToArray();
        for (int i = 0; i < parameters.Count; i++) parameters[i].Value.CopyTo(into[i], 0);
        return into;
    }

    private static void Restore(IReadOnlyList<Parameter> parameters, float[][] from)
    {
        for (int i = 0; i < parameters.Count; i++) from[i].CopyTo(parameters[i].Value, 0);
    }
}

/// <summary>The loss became NaN: the settings (learning rate, input scale) make this model diverge. An experiment
/// records it for the model and goes on with the next.</summary>
public sealed class TrainingDivergedException(string message) : UserInputException(message);
