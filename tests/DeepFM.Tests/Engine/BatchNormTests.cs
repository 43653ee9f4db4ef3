using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Tests.Engine;

/// <summary>The vectorised, parallel batch norm against a plain loop of the textbook formulas, and against itself on
/// other thread counts (bitwise).</summary>
public sealed class BatchNormTests
{
    private static float[] Random(int n, int seed, float scale = 1, float shift = 0)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale + shift)];
    }

    /// <summary>y and dx of training-mode batch norm, computed the slow way in double.</summary>
    private static (double[] Y, double[] Dx, double[] DGamma, double[] DBeta) Reference(float[] x, float[] dy, float[] gamma, float[] beta, int b, int f)
    {
        var y = new double[b * f];
        var dx = new double[b * f];
        var dGamma = new double[f];
        var dBeta = new double[f];
        for (int j = 0; j < f; j++)
        {
            double mean = 0, var = 0;
            for (int r = 0; r < b; r++) mean += x[r * f + j];
            mean /= b;
            for (int r = 0; r < b; r++) var += (x[r * f + j] - mean) * (x[r * f + j] - mean);
            var /= b;
            double inv = 1 / Math.Sqrt(var + 1e-5);
            double sumDy = 0, sumDyXhat = 0;
            for (int r = 0; r < b; r++)
            {
                double xhat = (x[r * f + j] - mean) * inv;
                y[r * f + j] = gamma[j] * xhat + beta[j];
                sumDy += dy[r * f + j];
                sumDyXhat += dy[r * f + j] * xhat;
            }
            dGamma[j] = sumDyXhat;
            dBeta[j] = sumDy;
            for (int r = 0; r < b; r++)
            {
                double xhat = (x[r * f + j] - mean) * inv;
                dx[r * f + j] = gamma[j] * inv * (dy[r * f + j] - sumDy / b - xhat * sumDyXhat / b);
            }
        }
        return (y, dx, dGamma, dBeta);
    }

    private static (float[] Y, float[] Dx, float[] DGamma, float[] DBeta, float[] RunningMean) Run(ComputeContext compute, bool training,
        float[] x, float[] dy, int b, int f)
    {
        var bn = new BatchNorm(f);
        Random(f, 7, 0.5f, 1f).CopyTo(bn.Gamma.Value, 0);
        Random(f, 8, 0.3f).CopyTo(bn.Beta.Value, 0);
        Random(f, 9, 0.2f).CopyTo(bn.RunningMean.Value, 0);
        Random(f, 10, 0.2f, 1f).CopyTo(bn.RunningVar.Value, 0);
        var ws = new Workspace(training, compute);
        var input = new Matrix();
        input.Reshape(b, f);
        x.CopyTo(input.Span);
        var y = bn.Forward(input, ws).Span.ToArray();
        var grad = new Matrix();
        grad.Reshape(b, f);
        dy.CopyTo(grad.Span);
        var dx = bn.Backward(grad, ws).Span.ToArray();
        return (y, dx, bn.Gamma.Grad.ToArray(), bn.Beta.Grad.ToArray(), bn.RunningMean.Value.ToArray());
    }

    [Theory]
    [InlineData(3000, 37)]   // parallel over rows and column blocks, with a column tail
    [InlineData(5, 16)]      // small: one thread
    [InlineData(64, 400)]
    public void Training_mode_matches_the_formulas(int b, int f)
    {
        var x = Random(b * f, 1, 3, 0.5f);
        var dy = Random(b * f, 2);
        var gamma = Random(f, 7, 0.5f, 1f);
        var beta = Random(f, 8, 0.3f);
        var (y, dx, dGamma, dBeta, _) = Run(ComputeContext.Default, training: true, x, dy, b, f);
        var want = Reference(x, dy, gamma, beta, b, f);
        for (int i = 0; i < b * f; i++)
        {
            Assert.Equal(want.Y[i], y[i], 1e-4);
            Assert.Equal(want.Dx[i], dx[i], 1e-4);
        }
        for (int j = 0; j < f; j++)
        {
            Assert.Equal(want.DGamma[j], dGamma[j], 1e-2 + 1e-5 * Math.Abs(want.DGamma[j]));
            Assert.Equal(want.DBeta[j], dBeta[j], 1e-2 + 1e-5 * Math.Abs(want.DBeta[j]));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Results_do_not_depend_on_the_thread_count(bool training)
    {
        int b = 4096, f = 45;
        var x = Random(b * f, 3, 2);
        var dy = Random(b * f, 4);
        var one = Run(ComputeContext.Serial, training, x, dy, b, f);
        var two = Run(ComputeContext.Default.WithThreads(2), training, x, dy, b, f);
        var four = Run(ComputeContext.Default.WithThreads(4), training, x, dy, b, f);
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.Dx, two.Dx);
        Assert.Equal(one.DGamma, two.DGamma);
        Assert.Equal(one.RunningMean, two.RunningMean);
        Assert.Equal(one.Y, four.Y);
        Assert.Equal(one.Dx, four.Dx);
    }
}
