using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Models;

/// <summary>
/// LR &amp; DNN: Wide &amp; Deep (Cheng et al. 2016) without hand-made cross features, as the paper evaluates it
/// (Section 3.1). The wide part is LR on the raw features, the deep part a DNN on its own embedding table:
/// <list type="bullet">
/// <item><c>y_LR = ⟨w, x⟩ + b</c>,</item>
/// <item><c>a⁽⁰⁾ = [e_1, …, e_m]</c>, <c>a⁽ˡ⁺¹⁾ = σ(W⁽ˡ⁾a⁽ˡ⁾ + b⁽ˡ⁾)</c>, <c>y_DNN = W^{|H|+1}a^H + b^{|H|+1}</c>,</item>
/// <item><c>ŷ = sigmoid(y_LR + y_DNN)</c>.</item>
/// </list>
/// Both parts are trained jointly with one optimizer (the paper's footnote 6 simplification).
/// </summary>
public sealed class WideDeepModel : CtrModel
{
    private readonly FeaturesLinear _linear;
    private readonly Embedding _embedding;
    private readonly Sequential _dnn;

    /// <summary>Builds the model.</summary>
    public WideDeepModel(ModelConfig config, FeatureSpace space) : base(config, space)
    {
        int m = space.FieldCount, k = config.EmbeddingSize;
        _linear = AddModule("linear", new FeaturesLinear(space.FeatureCount, 0f, Rng.Derive(config.Seed, 0)));
        _embedding = AddModule("embedding", new Embedding(space.FeatureCount, k, config.EmbeddingInitStd, Rng.Derive(config.Seed, 1)));
        _dnn = AddModule("dnn", Mlp.Build(m * k, config.Mlp, outputs: 1, config.Seed, stream: 2));
        ApplyRegularization();
    }

    /// <inheritdoc />
    public override Matrix Forward(Batch batch, Workspace ws)
    {
        var yLr = _linear.Forward(batch, ws);            // ⟨w,x⟩ + b
        var yDnn = _dnn.Forward(_embedding.Forward(batch, ws), ws);
        var logits = Logits(batch.Size, ws);
        System.Numerics.Tensors.TensorPrimitives.Add(yLr.Span, yDnn.Span, logits.Span);
        return logits;
    }

    /// <inheritdoc />
    public override string ToOnnx(IOnnxGraph graph)
    {
        string yLr = _linear.ToOnnx(graph);
        string yDnn = _dnn.ToOnnx(graph, _embedding.ToOnnx(graph));
        return graph.Add(yLr, yDnn, "logit_sum");
    }

    /// <inheritdoc />
    public override void Backward(Matrix gradLogits, Workspace ws)
    {
        _linear.Backward(gradLogits, ws);
        _embedding.Backward(_dnn.Backward(gradLogits, ws), ws);
    }
}
