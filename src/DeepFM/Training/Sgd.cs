using System.Numerics.Tensors;

namespace DeepFM.Training;

/// <summary>Plain stochastic gradient descent.</summary>
public sealed class Sgd(float learningRate) : Optimizer(learningRate)
{
    /// <inheritdoc />
    protected override int StateArrays => 0;

    /// <inheritdoc />
    protected override void Update(Span<float> w, Span<float> g, float[][] state, int offset, int length) =>
        TensorPrimitives.MultiplyAdd(g, -LearningRate, w, w);
}
