using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Models;

/// <summary>
/// AutoInt+ (Song et al. 2019), as FuxiCTR's AutoInt with its DNN, over one embedding <c>e = [e_1, …, e_m]</c>:
/// <list type="bullet">
/// <item>interacting layers (eqs. 5–8), <see cref="AttentionLayers"/> of them:
/// <c>x'_i = ReLU(⊕_h Σ_j softmax_j(⟨W_Q^h x_i, W_K^h x_j⟩) W_V^h x_j + W_Res x_i)</c>, <see cref="Heads"/> heads
/// of width k;</item>
/// <item>output (eq. 9) <c>y_Att = wᵀ[x'_1, …, x'_m] + b</c>, and the DNN (the "+") <c>y_DNN</c> on e;</item>
/// <item><c>ŷ = sigmoid(y_Att + y_DNN)</c>.</item>
/// </list>
/// </summary>
public sealed class AutoIntModel : CtrModel
{
    /// <summary>Interacting layers (FuxiCTR's AutoInt+ configurations: attention_layers 3).</summary>
    public const int AttentionLayers = 3;

    /// <summary>Attention heads (FuxiCTR's AutoInt+ configurations and the paper: 2); each head is k wide, so a layer
    /// maps fields of width k to width 2k.</summary>
    public const int Heads = 2;

    private readonly Embedding _embedding;
    private readonly Sequential _interacting;
    private readonly Linear _attentionLogit;
    private readonly Sequential _dnn;

    /// <summary>Builds the model.</summary>
    public AutoIntModel(ModelConfig config, FeatureSpace space) : base(config, space)
    {
        int m = space.FieldCount, k = config.EmbeddingSize, width = Heads * k;
        _embedding = AddModule("embedding", new Embedding(space.FeatureCount, k, config.EmbeddingInitStd, Rng.Derive(config.Seed, 1)));
        _interacting = AddModule("attention", new Sequential());
        for (int l = 0; l < AttentionLayers; l++)
            _interacting.Add(new MultiHeadSelfAttention(m, l == 0 ? k : width, Heads, k, Rng.Derive(config.Seed, 20 + l)));
        _attentionLogit = AddModule("attention_logit", new Linear(m * width, 1, Rng.Derive(config.Seed, 5)));
        _dnn = AddModule("dnn", Mlp.Build(m * k, config.Mlp, outputs: 1, config.Seed, stream: 2));
        ApplyRegularization();
    }

    /// <inheritdoc />
    public override Parameter? OutputBias => _attentionLogit.Bias;

    /// <inheritdoc />
    public override Matrix Forward(Batch batch, Workspace ws)
    {
        var e = _embedding.Forward(batch, ws);
        var yAtt = _attentionLogit.Forward(_interacting.Forward(e, ws), ws);   // wᵀ[x'_1, …, x'_m] + b
        var yDnn = _dnn.Forward(e, ws);                                       // y_DNN
        var logits = Logits(batch.Size, ws);
        System.Numerics.Tensors.TensorPrimitives.Add(yAtt.Span, yDnn.Span, logits.Span);
        return logits;
    }

    /// <inheritdoc />
    public override string ToOnnx(IOnnxGraph graph)
    {
        string e = _embedding.ToOnnx(graph);
        string yAtt = _attentionLogit.ToOnnx(graph, _interacting.ToOnnx(graph, e));
        string yDnn = _dnn.ToOnnx(graph, e);
        return graph.Add(yAtt, yDnn, "logit_sum");
    }

    /// <inheritdoc />
    public override void Backward(Matrix gradLogits, Workspace ws)
    {
        var fromAttention = _interacting.Backward(_attentionLogit.Backward(gradLogits, ws), ws);
        var fromDnn = _dnn.Backward(gradLogits, ws);
        var gradE = Scratch(fromAttention.Rows, fromAttention.Cols, ws);   // dL/de: both components' gradients
        System.Numerics.Tensors.TensorPrimitives.Add(fromAttention.Span, fromDnn.Span, gradE.Span);
        _embedding.Backward(gradE, ws);
    }
}
