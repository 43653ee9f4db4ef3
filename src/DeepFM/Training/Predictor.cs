using DeepFM.Data;
using DeepFM.Evaluation;
using DeepFM.Models;

namespace DeepFM.Training;

/// <summary>Scores rows with a model in evaluation mode (no dropout; batch norm on running statistics).</summary>
public static class Predictor
{
    /// <summary>Batch size for scoring.</summary>
    public const int DefaultBatchSize = 4096;

    /// <summary>Click probabilities for every row of <paramref name="rows"/>, in order.</summary>
    public static float[] Predict(CtrModel model, IRowSet rows, int batchSize = DefaultBatchSize)
    {
        var result = new float[rows.Count];
        var batch = new Batch(Math.Max(1, Math.Min(batchSize, Math.Max(1, rows.Count))), rows.FieldCount);
        bool wasTraining = model.IsTraining;
        model.SetTraining(false);
        try
        {
            for (int start = 0; start < rows.Count; start += batch.Capacity)
            {
                int count = Math.Min(batch.Capacity, rows.Count - start);
                rows.Slice(start, count, batch);
                PredictBatch(model, batch, result.AsSpan(start, count));
            }
        }
        finally
        {
            model.SetTraining(wasTraining);
        }
        return result;
    }

    /// <summary>Probabilities for one batch (the model must already be in evaluation mode).</summary>
    public static void PredictBatch(CtrModel model, Batch batch, Span<float> probabilities)
    {
        var logits = model.Forward(batch).Span;
        System.Numerics.Tensors.TensorPrimitives.Sigmoid(logits, probabilities);
    }

    /// <summary>Labels of a row set, in order.</summary>
    public static float[] Labels(IRowSet rows)
    {
        var labels = new float[rows.Count];
        var batch = new Batch(Math.Max(1, Math.Min(DefaultBatchSize, Math.Max(1, rows.Count))), rows.FieldCount);
        for (int start = 0; start < rows.Count; start += batch.Capacity)
        {
            int count = Math.Min(batch.Capacity, rows.Count - start);
            rows.Slice(start, count, batch);
            batch.Labels.CopyTo(labels.AsSpan(start, count));
        }
        return labels;
    }

    /// <summary>AUC and logloss of the model on the rows.</summary>
    public static EvalResult Evaluate(CtrModel model, IRowSet rows, int batchSize = DefaultBatchSize) =>
        EvalResult.Of(Predict(model, rows, batchSize), Labels(rows));
}
