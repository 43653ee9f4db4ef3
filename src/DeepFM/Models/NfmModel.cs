using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Models;

/// <summary>
/// NFM, the Neural Factorization Machine (He &amp; Chua 2017, eq. 2–5):
/// <list type="bullet">
/// <item><c>f_BI = Σ_{i&lt;j} x_i v_i ⊙ x_j v_j</c>, the Bi-Interaction pooling of the embeddings (a <c>k</c>-vector);</item>
/// <item><c>z_{l+1} = σ(W_l z_l + b_l)</c>, <c>z_0 = f_BI</c>, and <c>f(x) = hᵀ z_L</c> (the DNN with its output layer);</item>
/// <item><c>ŷ = sigmoid(w_0 + Σ_i w_i x_i + f(x))</c>.</item>
/// </list>
/// With no hidden layer it is an FM whose pairwise weights are <c>h</c>-weighted (the paper's NFM-0). As the paper
/// (Section 3.3), batch norm follows the Bi-Interaction layer when the config asks for batch norm: <c>f_BI</c> of small
/// initial embeddings is a product of two small numbers, and normalising it keeps the DNN's gradients from vanishing.
/// </summary>
public sealed class NfmModel : CtrModel
{
    private readonly FeaturesLinear _linear;
    private readonly Embedding _embedding;
    private readonly BiInteraction _bi;
    private readonly BatchNorm? _biNorm;
    private readonly Sequential _dnn;

    /// <summary>Builds the model.</summary>
    public NfmModel(ModelConfig config, FeatureSpace space) : base(config, space)
    {
        int m = space.FieldCount, k = config.EmbeddingSize;
        _linear = AddModule("linear", new FeaturesLinear(space.FeatureCount, 0f, Rng.Derive(config.Seed, 0)));
        _embedding = AddModule("embedding", new Embedding(space.FeatureCount, k, config.EmbeddingInitStd, Rng.Derive(config.Seed, 1)));
        _bi = AddModule("bi", new BiInteraction(m, k));
        if (config.BatchNorm) _biNorm = AddModule("bi_norm", new BatchNorm(k));
        _dnn = AddModule("dnn", Mlp.Build(k, config.Mlp, outputs: 1, config.Seed, stream: 2));
        ApplyRegularization();
    }

    /// <inheritdoc />
    public override Matrix Forward(Batch batch, Workspace ws)
    {
        var order1 = _linear.Forward(batch, ws);                         // w_0 + Σ w_i x_i
        var fBi = _bi.Forward(_embedding.Forward(batch, ws), ws);         // f_BI
        if (_biNorm is not null) fBi = _biNorm.Forward(fBi, ws);
        var f = _dnn.Forward(fBi, ws);                                   // hᵀ z_L
        var logits = Logits(batch.Size, ws);
        System.Numerics.Tensors.TensorPrimitives.Add(order1.Span, f.Span, logits.Span);
        return logits;
    }

    /// <inheritdoc />
    public override string ToOnnx(IOnnxGraph graph)
    {
        string order1 = _linear.ToOnnx(graph);
        string fBi = _bi.ToOnnx(graph, _embedding.ToOnnx(graph));
        if (_biNorm is not null) fBi = _biNorm.ToOnnx(graph, fBi);
        string f = _dnn.ToOnnx(graph, fBi);
        return graph.Add(order1, f, "logit_sum");
    }

    /// <inheritdoc />
    public override void Backward(Matrix gradLogits, Workspace ws)
    {
        _linear.Backward(gradLogits, ws);
        var dBi = _dnn.Backward(gradLogits, ws);
        if (_biNorm is not null) dBi = _biNorm.Backward(dBi, ws);
        _embedding.Backward(_bi.Backward(dBi, ws), ws);
    }
}
