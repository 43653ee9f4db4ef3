using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Models;

/// <summary>LR: <c>ŷ = sigmoid(⟨w, x⟩ + b)</c> on the raw sparse features; no interactions. The paper trains it with
/// FTRL, which is the default optimizer the CLI picks for it.</summary>
public sealed class LogisticRegression : CtrModel
{
    private readonly FeaturesLinear _linear;

    /// <summary>Builds the model.</summary>
    public LogisticRegression(ModelConfig config, FeatureSpace space) : base(config, space)
    {
        _linear = AddModule("linear", new FeaturesLinear(space.FeatureCount, 0f, Rng.Derive(config.Seed, 0)));
        ApplyRegularization();
    }

    /// <inheritdoc />
    public override Matrix Forward(Batch batch, Workspace ws) => _linear.Forward(batch, ws);

    /// <inheritdoc />
    public override string ToOnnx(IOnnxGraph graph) => _linear.ToOnnx(graph);

    /// <inheritdoc />
    public override void Backward(Matrix gradLogits, Workspace ws) => _linear.Backward(gradLogits, ws);
}
