using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Evaluation;
using DeepFM.Models;

namespace DeepFM.Training;

/// <summary>Scores rows with a model in evaluation mode (no dropout; batch norm on running statistics). Each call
/// runs in an evaluation <see cref="Workspace"/> (its own, or the caller's), so scoring never disturbs a training
/// pass and several threads can score with one model at once, each with its own workspace.</summary>
public static class Predictor
{
    /// <summary>Batch size for scoring.</summary>
    public const int DefaultBatchSize = 4096;

    /// <summary>Click probabilities for every row of <paramref name="rows"/>, in order, on all cores.</summary>
    public static float[] Predict(CtrModel model, IRowSet rows, int batchSize = DefaultBatchSize) =>
        Predict(model, rows, new Workspace(isTraining: false), batchSize);

    /// <summary>Click probabilities for every row of <paramref name="rows"/>, in order, computed in <paramref name="ws"/>
    /// (an evaluation workspace).</summary>
    public static float[] Predict(CtrModel model, IRowSet rows, Workspace ws, int batchSize = DefaultBatchSize)
    {
        var result = new float[rows.Count];
        Predict(model, rows, 0, result, ws, batchSize);
        return result;
    }

    /// <summary>Click probabilities for rows <c>[first, first + probabilities.Length)</c> of <paramref name="rows"/>, in
    /// order, computed in <paramref name="ws"/> (an evaluation workspace): one process's share of a validation.</summary>
    public static void Predict(CtrModel model, IRowSet rows, int first, Span<float> probabilities, Workspace ws, int batchSize = DefaultBatchSize)
    {
        if (ws.IsTraining) throw new ArgumentException("Prediction needs an evaluation workspace.", nameof(ws));
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first + probabilities.Length, rows.Count, nameof(probabilities));
        int n = probabilities.Length;
        var batch = rows.CreateBatch(Math.Max(1, Math.Min(batchSize, Math.Max(1, n))));
        for (int start = 0; start < n; start += batch.Capacity)
        {
            int count = Math.Min(batch.Capacity, n - start);
            rows.Slice(first + start, count, batch);
            PredictBatch(model, batch, probabilities.Slice(start, count), ws);
        }
    }

    /// <summary>Probabilities for one batch, computed in the evaluation workspace <paramref name="ws"/>.</summary>
    public static void PredictBatch(CtrModel model, Batch batch, Span<float> probabilities, Workspace ws)
    {
        var logits = model.Forward(batch, ws).Span;
        System.Numerics.Tensors.TensorPrimitives.Sigmoid(logits, probabilities);
    }

    /// <summary>Labels of a row set, in order.</summary>
    public static float[] Labels(IRowSet rows)
    {
        var labels = new float[rows.Count];
        var batch = rows.CreateBatch(Math.Max(1, Math.Min(DefaultBatchSize, Math.Max(1, rows.Count))));
        for (int start = 0; start < rows.Count; start += batch.Capacity)
        {
            int count = Math.Min(batch.Capacity, rows.Count - start);
            rows.Slice(start, count, batch);
            batch.Labels.CopyTo(labels.AsSpan(start, count));
        }
        return labels;
    }

    /// <summary>Share of <paramref name="rows"/> labelled 1, read a batch at a time (no array of all labels).</summary>
    public static double PositiveRate(IRowSet rows)
    {
        if (rows.Count == 0) return double.NaN;
        var batch = rows.CreateBatch(Math.Max(1, Math.Min(DefaultBatchSize, rows.Count)));
        long positives = 0;
        for (int start = 0; start < rows.Count; start += batch.Capacity)
        {
            int count = Math.Min(batch.Capacity, rows.Count - start);
            rows.Slice(start, count, batch);
            foreach (float y in batch.Labels) if (y > 0.5f) positives++;
        }
        return (double)positives / rows.Count;
    }

    /// <summary>AUC and logloss of the model on the rows.</summary>
    public static EvalResult Evaluate(CtrModel model, IRowSet rows, int batchSize = DefaultBatchSize) =>
        EvalResult.Of(Predict(model, rows, batchSize), Labels(rows));

    /// <summary>AUC and logloss of the model on the rows, computed in the evaluation workspace <paramref name="ws"/>.</summary>
    public static EvalResult Evaluate(CtrModel model, IRowSet rows, Workspace ws, int batchSize = DefaultBatchSize) =>
        EvalResult.Of(Predict(model, rows, ws, batchSize), Labels(rows));
}
