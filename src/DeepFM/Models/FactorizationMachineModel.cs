using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Models;

/// <summary>FM (Rendle 2010): <c>y = ⟨w, x⟩ + b + Σ_{i&lt;j} ⟨V_i, V_j⟩ x_i x_j</c> — the paper's FM component alone.</summary>
public sealed class FactorizationMachineModel : CtrModel
{
    private readonly FeaturesLinear _linear;
    private readonly Embedding _embedding;
    private readonly FactorizationMachine _fm;

    /// <summary>Builds the model.</summary>
    public FactorizationMachineModel(ModelConfig config, FeatureSpace space) : base(config, space)
    {
        _linear = AddModule("linear", new FeaturesLinear(space.FeatureCount, 0f, Rng.Derive(config.Seed, 0)));
        _embedding = AddModule("embedding", new Embedding(space.FeatureCount, config.EmbeddingSize, config.EmbeddingInitStd, Rng.Derive(config.Seed, 1)));
        _fm = AddModule("fm", new FactorizationMachine(space.FieldCount, config.EmbeddingSize));
        ApplyRegularization();
    }

    /// <summary>The order-1 weights w (features × 1; FNN initialises its embeddings from them with V).</summary>
    public Parameter Weights => _linear.Weights;

    /// <summary>The latent vectors V (FNN initialises its embeddings from them).</summary>
    public Parameter Embeddings => _embedding.Table;

    /// <inheritdoc />
    public override Matrix Forward(Batch batch, Workspace ws)
    {
        var order1 = _linear.Forward(batch, ws);
        var order2 = _fm.Forward(_embedding.Forward(batch, ws), ws);
        var logits = Logits(batch.Size, ws);
        System.Numerics.Tensors.TensorPrimitives.Add(order1.Span, order2.Span, logits.Span);
        return logits;
    }

    /// <inheritdoc />
    public override string ToOnnx(IOnnxGraph graph)
    {
        string order1 = _linear.ToOnnx(graph);
        string order2 = _fm.ToOnnx(graph, _embedding.ToOnnx(graph));
        return graph.Add(order1, order2, "logit_sum");
    }

    /// <inheritdoc />
    public override void Backward(Matrix gradLogits, Workspace ws)
    {
        _linear.Backward(gradLogits, ws);
        _embedding.Backward(_fm.Backward(gradLogits, ws), ws);
    }
}
