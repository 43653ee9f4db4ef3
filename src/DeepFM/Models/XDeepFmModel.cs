using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Models;

/// <summary>
/// xDeepFM (Lian et al. 2018, eqs. 6–9), as FuxiCTR's xDeepFM, over one shared embedding <c>X⁰ = [e_1, …, e_m]</c>:
/// <list type="bullet">
/// <item>the linear part <c>w_0 + Σ_i w_i x_i</c>;</item>
/// <item>the CIN (eqs. 6–8): <c>X^l_c = Σ_{h,j} W^l_{(h,j),c} (X⁰_h ⊙ X^{l−1}_j) + b^l_c</c>, <see cref="CinUnits"/>
/// feature maps per layer, each sum-pooled over the embedding axis, <c>p⁺ = [p¹, …, p^L]</c>, and
/// <c>y_CIN = w_cinᵀ p⁺ + b</c>;</item>
/// <item>the DNN on X⁰, <c>y_DNN</c>;</item>
/// <item><c>ŷ = sigmoid(w_0 + Σ_i w_i x_i + y_CIN + y_DNN)</c> (eq. 9).</item>
/// </list>
/// </summary>
public sealed class XDeepFmModel : CtrModel
{
    /// <summary>Feature maps of each CIN layer: BARS's xDeepFM Frappe_x1 configuration (the leaderboard's 0.9845,
    /// FuxiCTR 1.1 <c>cin_layer_units: [64]</c>), one layer of 64 maps. FuxiCTR's default argument is 16-16-16; the
    /// layer takes any depth.</summary>
    public static IReadOnlyList<int> CinUnits { get; } = [64];

    private readonly FeaturesLinear _linear;
    private readonly Embedding _embedding;
    private readonly CompressedInteraction _cin;
    private readonly Linear _cinLogit;
    private readonly Sequential _dnn;

    /// <summary>Builds the model.</summary>
    public XDeepFmModel(ModelConfig config, FeatureSpace space) : base(config, space)
    {
        int m = space.FieldCount, k = config.EmbeddingSize;
        _linear = AddModule("linear", new FeaturesLinear(space.FeatureCount, 0f, Rng.Derive(config.Seed, 0)));
        _embedding = AddModule("embedding", new Embedding(space.FeatureCount, k, config.EmbeddingInitStd, Rng.Derive(config.Seed, 1)));
        _cin = AddModule("cin", new CompressedInteraction(m, k, CinUnits, Rng.Derive(config.Seed, 4)));
        _cinLogit = AddModule("cin_logit", new Linear(_cin.Outputs, 1, Rng.Derive(config.Seed, 5)));
        _dnn = AddModule("dnn", Mlp.Build(m * k, config.Mlp, outputs: 1, config.Seed, stream: 2));
        ApplyRegularization();
    }

    /// <inheritdoc />
    public override Matrix Forward(Batch batch, Workspace ws)
    {
        var x0 = _embedding.Forward(batch, ws);                       // X⁰ = [e_1, …, e_m]
        var order1 = _linear.Forward(batch, ws);                      // w_0 + Σ w_i x_i
        var yCin = _cinLogit.Forward(_cin.Forward(x0, ws), ws);      // w_cinᵀ p⁺ + b
        var yDnn = _dnn.Forward(x0, ws);                              // y_DNN
        var logits = Logits(batch.Size, ws);
        var z = logits.Span;
        System.Numerics.Tensors.TensorPrimitives.Add(order1.Span, yCin.Span, z);
        System.Numerics.Tensors.TensorPrimitives.Add(z, yDnn.Span, z);
        return logits;
    }

    /// <inheritdoc />
    public override string ToOnnx(IOnnxGraph graph)
    {
        string x0 = _embedding.ToOnnx(graph);
        string order1 = _linear.ToOnnx(graph);
        string yCin = _cinLogit.ToOnnx(graph, _cin.ToOnnx(graph, x0));
        string yDnn = _dnn.ToOnnx(graph, x0);
        return graph.Add(graph.Add(order1, yCin, "cin_sum"), yDnn, "logit_sum");
    }

    /// <inheritdoc />
    public override void Backward(Matrix gradLogits, Workspace ws)
    {
        _linear.Backward(gradLogits, ws);
        var fromCin = _cin.Backward(_cinLogit.Backward(gradLogits, ws), ws);
        var fromDnn = _dnn.Backward(gradLogits, ws);
        var gradX0 = Scratch(fromCin.Rows, fromCin.Cols, ws);   // dL/dX⁰: both components' gradients
        System.Numerics.Tensors.TensorPrimitives.Add(fromCin.Span, fromDnn.Span, gradX0.Span);
        _embedding.Backward(gradX0, ws);
    }
}
