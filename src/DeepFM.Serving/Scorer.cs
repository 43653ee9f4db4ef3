using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Serving;

/// <summary>A worker's input batch and evaluation workspace over the shared model; used by one request at a time.</summary>
internal sealed class Scorer(CtrModel model, int chunkRows, ComputeContext compute)
{
    private readonly Batch _batch = new(chunkRows, model.Space.FieldCount);
    private readonly Workspace _workspace = new(isTraining: false, compute);

    public CtrModel Model { get; } = model;

    /// <summary>Probabilities of every row, in order, a chunk at a time. Synchronous: the GEMM's per-thread scratch
    /// buffers must not change hands mid-call.</summary>
    public void Score(EncodedRows rows, Span<float> probabilities)
    {
        int m = rows.FieldCount;
        for (int start = 0; start < rows.Count; start += _batch.Capacity)
        {
            int n = Math.Min(_batch.Capacity, rows.Count - start);
            rows.Ids.AsSpan(start * m, n * m).CopyTo(_batch.IdBuffer);
            rows.Values.AsSpan(start * m, n * m).CopyTo(_batch.ValueBuffer);
            _batch.Size = n;
            Predictor.PredictBatch(Model, _batch, probabilities.Slice(start, n), _workspace);
        }
    }
}
