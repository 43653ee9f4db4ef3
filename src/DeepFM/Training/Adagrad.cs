namespace DeepFM.Training;

/// <summary>Adagrad (Duchi et al. 2011) with initial accumulator 0.1.</summary>
public sealed class Adagrad(float learningRate, float epsilon = 1e-10f) : Optimizer(learningRate)
{
    /// <inheritdoc />
    protected override int StateArrays => 1;

    /// <inheritdoc />
    protected override float InitialState(int index) => 0.1f;

    /// <inheritdoc />
    protected override void Update(Span<float> w, Span<float> g, float[][] state, int offset, int length)
    {
        var acc = state[0].AsSpan(offset, length);
        for (int i = 0; i < length; i++)
        {
            acc[i] += g[i] * g[i];
            w[i] -= LearningRate * g[i] / (MathF.Sqrt(acc[i]) + epsilon);
        }
    }
}
