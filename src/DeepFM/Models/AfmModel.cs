using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Models;

/// <summary>
/// AFM, the Attentional Factorization Machine (Xiao et al. 2017, eqs. 3–6):
/// <list type="bullet">
/// <item><c>q_ij = v_i ⊙ v_j x_i x_j</c>, the pair-wise interaction layer over the embeddings <c>e_i = x_i v_i</c>;</item>
/// <item><c>a_ij = softmax_ij(hᵀ ReLU(W q_ij + b))</c>, the attention network (factor <see cref="AttentionDim"/>);</item>
/// <item><c>ŷ = sigmoid(w_0 + Σ_i w_i x_i + pᵀ Σ_{i&lt;j} a_ij q_ij)</c>.</item>
/// </list>
/// With uniform attention it is an FM whose pairwise weights are <c>p</c>-weighted. No hidden layers: the config's
/// deep settings are unused, and like FM it trains without embedding L2 by default.
/// </summary>
public sealed class AfmModel : CtrModel
{
    /// <summary>The attention factor t, as the embedding size k (FuxiCTR's AFM template sets attention_dim to its
    /// embedding_dim, 40 and 40; the paper, Section 4.3, finds AFM insensitive to t).</summary>
    public int AttentionDim => Config.EmbeddingSize;

    private readonly FeaturesLinear _linear;
    private readonly Embedding _embedding;
    private readonly AttentionPooling _attention;

    /// <summary>Builds the model.</summary>
    public AfmModel(ModelConfig config, FeatureSpace space) : base(config, space)
    {
        int m = space.FieldCount, k = config.EmbeddingSize;
        _linear = AddModule("linear", new FeaturesLinear(space.FeatureCount, 0f, Rng.Derive(config.Seed, 0)));
        _embedding = AddModule("embedding", new Embedding(space.FeatureCount, k, config.EmbeddingInitStd, Rng.Derive(config.Seed, 1)));
        _attention = AddModule("attention", new AttentionPooling(m, k, AttentionDim, Rng.Derive(config.Seed, 7)));
        ApplyRegularization();
    }

    /// <inheritdoc />
    public override Matrix Forward(Batch batch, Workspace ws)
    {
        var order1 = _linear.Forward(batch, ws);                             // w_0 + Σ w_i x_i
        var fAtt = _attention.Forward(_embedding.Forward(batch, ws), ws);     // pᵀ Σ a_ij q_ij
        var logits = Logits(batch.Size, ws);
        System.Numerics.Tensors.TensorPrimitives.Add(order1.Span, fAtt.Span, logits.Span);
        return logits;
    }

    /// <inheritdoc />
    public override string ToOnnx(IOnnxGraph graph)
    {
        string order1 = _linear.ToOnnx(graph);
        string fAtt = _attention.ToOnnx(graph, _embedding.ToOnnx(graph));
        return graph.Add(order1, fAtt, "logit_sum");
    }

    /// <inheritdoc />
    public override void Backward(Matrix gradLogits, Workspace ws)
    {
        _linear.Backward(gradLogits, ws);
        _embedding.Backward(_attention.Backward(gradLogits, ws), ws);
    }
}
