using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Models;

/// <summary>
/// DCN, the Deep &amp; Cross Network (Wang et al. 2017), and DCN-V2's parallel structure (Wang et al. 2021), over one
/// shared embedding <c>x_0 = [e_1, …, e_m]</c>:
/// <list type="bullet">
/// <item>cross network, <see cref="CrossLayers"/> layers: DCN's (eq. 3) <c>x_{l+1} = x_0 · (x_lᵀ w_l) + b_l + x_l</c>, or
/// DCN-V2's full-rank (eq. 1) <c>x_{l+1} = x_0 ⊙ (x_l W_l + b_l) + x_l</c>;</item>
/// <item>deep network (eq. 4): <c>h_{l+1} = relu(W_l h_l + b_l)</c>, <c>h_0 = x_0</c>;</item>
/// <item>combination (eq. 5): <c>ŷ = sigmoid([x_L, h_H]ᵀ w_logit + b)</c>, written as two linear maps of the two
/// outputs summed — the same function as one map of their concatenation.</item>
/// </list>
/// </summary>
public sealed class DcnModel : CtrModel
{
    /// <summary>Cross layers (BARS's DCN and DCN-V2 configurations use 2 to 4; DCN's best Criteo model has 6).</summary>
    public const int CrossLayers = 3;

    private readonly Embedding _embedding;
    private readonly Layer _cross;
    private readonly Sequential _dnn;
    private readonly Linear _crossLogit;
    private readonly Linear _dnnLogit;

    /// <summary>Builds DCN, or DCN-V2 with <paramref name="fullRank"/>.</summary>
    public DcnModel(ModelConfig config, FeatureSpace space, bool fullRank = false) : base(config, space)
    {
        int d = space.FieldCount * config.EmbeddingSize;
        _embedding = AddModule("embedding", new Embedding(space.FeatureCount, config.EmbeddingSize, config.EmbeddingInitStd, Rng.Derive(config.Seed, 1)));
        _cross = fullRank
            ? AddModule<Layer>("cross", new CrossNetworkV2(d, CrossLayers, Rng.Derive(config.Seed, 4)))
            : AddModule<Layer>("cross", new CrossNetwork(d, CrossLayers, Rng.Derive(config.Seed, 4)));
        _dnn = AddModule("dnn", Mlp.Build(d, config.Mlp, outputs: 0, config.Seed, stream: 2));
        int deepWidth = config.Hidden.Length == 0 ? d : config.Hidden[^1];
        _crossLogit = AddModule("cross_logit", new Linear(d, 1, Rng.Derive(config.Seed, 5)));
        _dnnLogit = AddModule("dnn_logit", new Linear(deepWidth, 1, Rng.Derive(config.Seed, 6)));
        ApplyRegularization();
    }

    /// <inheritdoc />
    public override Matrix Forward(Batch batch, Workspace ws)
    {
        var x0 = _embedding.Forward(batch, ws);          // x_0 = [e_1, …, e_m]
        var xL = _cross.Forward(x0, ws);                 // x_L
        var hH = _dnn.Forward(x0, ws);                   // h_H
        var yCross = _crossLogit.Forward(xL, ws);
        var yDnn = _dnnLogit.Forward(hH, ws);
        var logits = Logits(batch.Size, ws);
        System.Numerics.Tensors.TensorPrimitives.Add(yCross.Span, yDnn.Span, logits.Span);
        return logits;
    }

    /// <inheritdoc />
    public override string ToOnnx(IOnnxGraph graph)
    {
        string x0 = _embedding.ToOnnx(graph);
        string yCross = _crossLogit.ToOnnx(graph, _cross.ToOnnx(graph, x0));
        string yDnn = _dnnLogit.ToOnnx(graph, _dnn.ToOnnx(graph, x0));
        return graph.Add(yCross, yDnn, "logit_sum");
    }

    /// <inheritdoc />
    public override void Backward(Matrix gradLogits, Workspace ws)
    {
        var fromCross = _cross.Backward(_crossLogit.Backward(gradLogits, ws), ws);
        var fromDnn = _dnn.Backward(_dnnLogit.Backward(gradLogits, ws), ws);
        var gradX0 = Scratch(fromCross.Rows, fromCross.Cols, ws);   // dL/dx_0: both networks' gradients
        System.Numerics.Tensors.TensorPrimitives.Add(fromCross.Span, fromDnn.Span, gradX0.Span);
        _embedding.Backward(gradX0, ws);
    }
}
