using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Models;

/// <summary>
/// DeepFM (Guo et al. 2017), eqs. 1–4. One embedding table V is shared:
/// <list type="bullet">
/// <item><c>y_FM = ⟨w, x⟩ + Σ_{i&lt;j} ⟨V_i, V_j⟩ x_i x_j</c> (eq. 2; order-1 weights w and a bias, plus the FM layer on the embeddings),</item>
/// <item><c>a⁽⁰⁾ = [e_1, …, e_m]</c> (eq. 3), <c>a⁽ˡ⁺¹⁾ = σ(W⁽ˡ⁾a⁽ˡ⁾ + b⁽ˡ⁾)</c> (eq. 4), <c>y_DNN = W^{|H|+1}a^H + b^{|H|+1}</c>,</item>
/// <item><c>ŷ = sigmoid(y_FM + y_DNN)</c> (eq. 1).</item>
/// </list>
/// Gradients from the FM and deep components both flow into V, which is what "shared" means.
/// </summary>
public sealed class DeepFMModel : CtrModel
{
    private readonly FeaturesLinear _linear;
    private readonly Embedding _embedding;
    private readonly FactorizationMachine _fm;
    private readonly Sequential _dnn;

    /// <summary>Builds the model.</summary>
    public DeepFMModel(ModelConfig config, FeatureSpace space) : base(config, space)
    {
        int m = space.FieldCount, k = config.EmbeddingSize;
        _linear = AddModule("linear", new FeaturesLinear(space.FeatureCount, 0f, Rng.Derive(config.Seed, 0)));
        _embedding = AddModule("embedding", new Embedding(space.FeatureCount, k, config.EmbeddingInitStd, Rng.Derive(config.Seed, 1)));
        _fm = AddModule("fm", new FactorizationMachine(m, k));
        _dnn = AddModule("dnn", Mlp.Build(m * k, config.Mlp, outputs: 1, config.Seed, stream: 2));
        ApplyRegularization();
    }

    /// <inheritdoc />
    public override Matrix Forward(Batch batch, Workspace ws)
    {
        var e = _embedding.Forward(batch, ws);           // a⁽⁰⁾ = [e_1, …, e_m]
        var yFm = _fm.Forward(e, ws);                    // Σ⟨V_i,V_j⟩x_i x_j
        var order1 = _linear.Forward(batch, ws);         // ⟨w,x⟩ + b
        var yDnn = _dnn.Forward(e, ws);                  // y_DNN
        var logits = Logits(batch.Size, ws);
        var z = logits.Span;
        System.Numerics.Tensors.TensorPrimitives.Add(yFm.Span, order1.Span, z);
        System.Numerics.Tensors.TensorPrimitives.Add(z, yDnn.Span, z);
        return logits;
    }

    /// <inheritdoc />
    public override string ToOnnx(IOnnxGraph graph)
    {
        // The shared table is looked up once and feeds both components, as in Forward; same summation order too.
        string e = _embedding.ToOnnx(graph);
        string yFm = _fm.ToOnnx(graph, e);
        string order1 = _linear.ToOnnx(graph);
        string yDnn = _dnn.ToOnnx(graph, e);
        return graph.Add(graph.Add(yFm, order1, "fm_sum"), yDnn, "logit_sum");
    }

    /// <inheritdoc />
    public override void Backward(Matrix gradLogits, Workspace ws)
    {
        _linear.Backward(gradLogits, ws);
        var fromFm = _fm.Backward(gradLogits, ws);
        var fromDnn = _dnn.Backward(gradLogits, ws);
        var gradEmbedding = Scratch(fromFm.Rows, fromFm.Cols, ws);   // dL/de: both components' gradients
        System.Numerics.Tensors.TensorPrimitives.Add(fromFm.Span, fromDnn.Span, gradEmbedding.Span);
        _embedding.Backward(gradEmbedding, ws);
    }
}
