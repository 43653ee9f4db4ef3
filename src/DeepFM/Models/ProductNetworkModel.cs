using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Models;

/// <summary>
/// PNN (Qu et al. 2016), the paper's IPNN, OPNN and PNN* (Section 2.2, Figure 5 middle). A product layer sits between
/// the embeddings and the first hidden layer:
/// <list type="bullet">
/// <item><c>z = [e_1, …, e_m]</c> (eq. 3, the linear signal),</item>
/// <item>IPNN: <c>p = [⟨e_i, e_j⟩]_{i&lt;j}</c>; OPNN: <c>p = f_Σ f_Σᵀ</c> with <c>f_Σ = Σ_i e_i</c> (upper triangle);
/// PNN*: both,</item>
/// <item><c>a⁽⁰⁾ = [z, p]</c>, <c>a⁽ˡ⁺¹⁾ = σ(W⁽ˡ⁾a⁽ˡ⁾ + b⁽ˡ⁾)</c> (eq. 4), <c>ŷ = sigmoid(W^{|H|+1}a^H + b^{|H|+1})</c>.</item>
/// </list>
/// There is no separate low-order term: the products feed the hidden layers only, which is the difference from
/// DeepFM the paper points out (its FM products connect straight to the output unit).
/// </summary>
public sealed class ProductNetworkModel : CtrModel
{
    private readonly Embedding _embedding;
    private readonly ProductLayer _product;
    private readonly Sequential _dnn;

    /// <summary>Builds the model with the given product signals (Inner: IPNN, Outer: OPNN, Both: PNN*).</summary>
    public ProductNetworkModel(ModelConfig config, FeatureSpace space, ProductKind kind) : base(config, space)
    {
        int m = space.FieldCount, k = config.EmbeddingSize;
        _embedding = AddModule("embedding", new Embedding(space.FeatureCount, k, config.EmbeddingInitStd, Rng.Derive(config.Seed, 1)));
        _product = AddModule("product", new ProductLayer(m, k, kind));
        _dnn = AddModule("dnn", Mlp.Build(_product.Outputs, config.Mlp, outputs: 1, config.Seed, stream: 2));
        ApplyRegularization();
    }

    /// <summary>The product signals this network uses.</summary>
    public ProductKind Kind => _product.Kind;

    /// <inheritdoc />
    public override Matrix Forward(Batch batch, Workspace ws)
    {
        var z = _embedding.Forward(batch, ws);           // z = [e_1, …, e_m]
        var zp = _product.Forward(z, ws);                // [z, p]
        return _dnn.Forward(zp, ws);                     // logit
    }

    /// <inheritdoc />
    public override string ToOnnx(IOnnxGraph graph) =>
        _dnn.ToOnnx(graph, _product.ToOnnx(graph, _embedding.ToOnnx(graph)));

    /// <inheritdoc />
    public override void Backward(Matrix gradLogits, Workspace ws) =>
        _embedding.Backward(_product.Backward(_dnn.Backward(gradLogits, ws), ws), ws);
}
