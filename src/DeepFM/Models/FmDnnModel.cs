using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Models;

/// <summary>
/// FM &amp; DNN: Wide &amp; Deep with FM as the wide part (the paper's Section 2.2 extension), i.e. DeepFM without the
/// shared embedding. Two separate tables: V for the FM and U for the DNN.
/// <list type="bullet">
/// <item><c>y_FM = ⟨w, x⟩ + b + Σ_{i&lt;j} ⟨V_i, V_j⟩ x_i x_j</c> (eq. 2),</item>
/// <item><c>a⁽⁰⁾ = [x_1U_1, …, x_mU_m]</c>, <c>a⁽ˡ⁺¹⁾ = σ(W⁽ˡ⁾a⁽ˡ⁾ + b⁽ˡ⁾)</c>, <c>y_DNN = W^{|H|+1}a^H + b^{|H|+1}</c>,</item>
/// <item><c>ŷ = sigmoid(y_FM + y_DNN)</c>.</item>
/// </list>
/// V learns from the FM's gradient only and U from the DNN's only — the ablation of DeepFM's sharing.
/// </summary>
public sealed class FmDnnModel : CtrModel
{
    private readonly FeaturesLinear _linear;
    private readonly Embedding _fmEmbedding;
    private readonly FactorizationMachine _fm;
    private readonly Embedding _dnnEmbedding;
    private readonly Sequential _dnn;

    /// <summary>Builds the model.</summary>
    public FmDnnModel(ModelConfig config, FeatureSpace space) : base(config, space)
    {
        int m = space.FieldCount, k = config.EmbeddingSize;
        _linear = AddModule("linear", new FeaturesLinear(space.FeatureCount, 0f, Rng.Derive(config.Seed, 0)));
        _fmEmbedding = AddModule("fm_embedding", new Embedding(space.FeatureCount, k, config.EmbeddingInitStd, Rng.Derive(config.Seed, 1)));
        _fm = AddModule("fm", new FactorizationMachine(m, k));
        _dnnEmbedding = AddModule("dnn_embedding", new Embedding(space.FeatureCount, k, config.EmbeddingInitStd, Rng.Derive(config.Seed, 3)));
        _dnn = AddModule("dnn", Mlp.Build(m * k, config.Mlp, outputs: 1, config.Seed, stream: 2));
        ApplyRegularization();
    }

    /// <inheritdoc />
    public override Matrix Forward(Batch batch, Workspace ws)
    {
        var order1 = _linear.Forward(batch, ws);                 // ⟨w,x⟩ + b
        var order2 = _fm.Forward(_fmEmbedding.Forward(batch, ws), ws);   // Σ⟨V_i,V_j⟩x_i x_j
        var yDnn = _dnn.Forward(_dnnEmbedding.Forward(batch, ws), ws);   // y_DNN on U
        var logits = Logits(batch.Size, ws);
        var z = logits.Span;
        System.Numerics.Tensors.TensorPrimitives.Add(order1.Span, order2.Span, z);
        System.Numerics.Tensors.TensorPrimitives.Add(z, yDnn.Span, z);
        return logits;
    }

    /// <inheritdoc />
    public override string ToOnnx(IOnnxGraph graph)
    {
        // Same summation order as Forward: (order1 + order2) + y_DNN.
        string order1 = _linear.ToOnnx(graph);
        string order2 = _fm.ToOnnx(graph, _fmEmbedding.ToOnnx(graph));
        string yDnn = _dnn.ToOnnx(graph, _dnnEmbedding.ToOnnx(graph));
        return graph.Add(graph.Add(order1, order2, "fm_sum"), yDnn, "logit_sum");
    }

    /// <inheritdoc />
    public override void Backward(Matrix gradLogits, Workspace ws)
    {
        _linear.Backward(gradLogits, ws);
        _fmEmbedding.Backward(_fm.Backward(gradLogits, ws), ws);
        _dnnEmbedding.Backward(_dnn.Backward(gradLogits, ws), ws);
    }
}
