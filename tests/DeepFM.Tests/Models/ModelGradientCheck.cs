using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Models;
using DeepFM.Tests.Engine;
using DeepFM.Training;

namespace DeepFM.Tests.Models;

/// <summary>Finite-difference check of a whole model: loss = mean sigmoid cross-entropy on a random batch.</summary>
internal static class ModelGradientCheck
{
    public static FeatureSpace Space => new(FieldCount: 5, FeatureCount: 40);

    /// <summary>A batch whose field f draws ids from [8f, 8f+8); one numeric-valued field scales its embedding.</summary>
    public static Batch RandomBatch(FeatureSpace space, int rows, Rng rng)
    {
        int m = space.FieldCount, per = space.FeatureCount / m;
        var batch = new Batch(rows, m) { Size = rows };
        for (int r = 0; r < rows; r++)
        {
            for (int f = 0; f < m; f++)
            {
                batch.IdBuffer[r * m + f] = f * per + rng.NextInt(per);
                batch.ValueBuffer[r * m + f] = f == m - 1 ? 0.5f + rng.NextFloat() : 1f;
            }
            batch.LabelBuffer[r] = rng.NextFloat() < 0.4f ? 1 : 0;
        }
        return batch;
    }

    public static void Check(string model, ModelConfig? baseConfig = null, double relTol = 2e-2, EmbeddingUpdate update = EmbeddingUpdate.Lazy)
    {
        var config = (baseConfig ?? new ModelConfig()) with { Model = model, Dropout = 0f, EmbeddingInitStd = 0.3f, Seed = 11, EmbeddingUpdate = update };
        var space = Space;
        var net = ModelRegistry.Create(config, space);
        var rng = new Rng(12);
        // Move order-1 weights and biases off their zero initialisation so their gradients are exercised in general position.
        foreach (var p in net.Parameters().Where(p => p.IsTrainable))
            for (int i = 0; i < p.Value.Length; i++) p.Value[i] += (float)(rng.NextGaussian() * 0.1);
        var batch = RandomBatch(space, 16, rng);
        var grad = new Matrix();
        var ws = new Workspace(isTraining: true);

        double Loss()
        {
            var logits = net.Forward(batch, ws);
            grad.Reshape(batch.Size, 1);
            return SigmoidCrossEntropy.Compute(logits.Span, batch.Labels, grad.Span);
        }

        var parameters = net.Parameters();
        foreach (var p in parameters) p.ZeroGrad();
        Loss();
        net.Backward(grad, ws);

        foreach (var p in parameters.Where(p => p.IsTrainable))
        {
            int[] idx;
            if (p.Touched is { } touched)
            {
                Assert.True(touched.Count > 0, $"{model}: backward touched no row of {p.Name}");
                var rows = touched.Rows.ToArray();
                idx = rows.Take(12).SelectMany(r => Enumerable.Range(r * p.Cols, p.Cols)).ToArray();
            }
            else
            {
                idx = GradientCheck.Sample(p.Value.Length, 40, rng);
            }
            var analytic = idx.Select(i => (double)p.Grad[i]).ToArray();
            var numeric = KinkAwareNumeric(p.Value, idx, analytic, Loss);
            if (numeric.All(v => Math.Abs(v) < 1e-7) && analytic.All(v => Math.Abs(v) < 1e-7)) continue; // e.g. unused bias
            GradientCheck.AssertClose(analytic, numeric, $"{model} {p.Name}", relTol);
        }
    }

    /// <summary>
    /// Central differences, except where a ReLU kink lies within ±ε of the point: there the forward and backward
    /// differences disagree by far more than curvature allows, the central one is their meaningless average, and the
    /// analytic (one-sided) gradient must instead match one of them, so the closer one is used. On smooth stretches
    /// the one-sided differences agree to O(ε) and the central difference is returned unchanged.
    /// </summary>
    private static double[] KinkAwareNumeric(float[] values, int[] indices, double[] analytic, Func<double> loss)
    {
        var g = new double[indices.Length];
        double at = loss();
        for (int n = 0; n < indices.Length; n++)
        {
            int i = indices[n];
            float saved = values[i];
            values[i] = saved + GradientCheck.Epsilon;
            double plus = loss();
            values[i] = saved - GradientCheck.Epsilon;
            double minus = loss();
            values[i] = saved;
            double forward = (plus - at) / GradientCheck.Epsilon, backward = (at - minus) / GradientCheck.Epsilon;
            g[n] = (plus - minus) / (2.0 * GradientCheck.Epsilon);
            bool kink = Math.Abs(forward - backward) > 1e-4 + 0.1 * Math.Max(Math.Abs(forward), Math.Abs(backward));
            if (kink) g[n] = Math.Abs(forward - analytic[n]) < Math.Abs(backward - analytic[n]) ? forward : backward;
        }
        return g;
    }
}
