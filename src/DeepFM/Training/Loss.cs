using DeepFM.Engine;

namespace DeepFM.Training;

/// <summary>Sigmoid cross-entropy (logloss) computed on logits, stable for any magnitude.</summary>
public static class SigmoidCrossEntropy
{
    /// <summary>
    /// Returns the mean loss <c>mean(max(z,0) − z·y + ln(1+e^−|z|))</c> over the rows and writes
    /// <c>dL/dz = (σ(z) − y)/B</c> into <paramref name="gradLogits"/>.
    /// </summary>
    public static double Compute(ReadOnlySpan<float> logits, ReadOnlySpan<float> labels, Span<float> gradLogits) =>
        ComputeSum(logits, labels, gradLogits, logits.Length) / logits.Length;

    /// <summary>
    /// Returns the summed loss over the rows and writes <c>dL/dz = (σ(z) − y)/<paramref name="batchRows"/></c>: the
    /// gradient of the mean over a batch of <paramref name="batchRows"/> rows of which these are a slice (a process's
    /// share of a data-parallel step), so that the slices' gradients add up to the whole batch's.
    /// </summary>
    public static double ComputeSum(ReadOnlySpan<float> logits, ReadOnlySpan<float> labels, Span<float> gradLogits, int batchRows)
    {
        int b = logits.Length;
        double total = 0;
        float invB = 1f / batchRows;
        for (int i = 0; i < b; i++)
        {
            float z = logits[i], y = labels[i];
            total += Math.Max(z, 0) - z * y + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            gradLogits[i] = (Sigmoid(z) - y) * invB;
        }
        return total;
    }

    /// <summary>Logistic function.</summary>
    public static float Sigmoid(float z) => z >= 0 ? 1f / (1f + MathF.Exp(-z)) : MathF.Exp(z) / (1f + MathF.Exp(z));
}
