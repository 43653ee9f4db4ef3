using DeepFM.Engine;

namespace DeepFM.Tests.Engine;

/// <summary>Central finite differences against analytic gradients.</summary>
internal static class GradientCheck
{
    public const float Epsilon = 1e-3f;

    /// <summary>Asserts that analytic and numeric gradient vectors agree: relative error of the whole vector under
    /// <paramref name="relTol"/>, and each coordinate within a loose bound (ReLU kinks may move single entries).</summary>
    public static void AssertClose(ReadOnlySpan<double> analytic, ReadOnlySpan<double> numeric, string what, double relTol = 2e-2)
    {
        Assert.Equal(numeric.Length, analytic.Length);
        // A gradient that is truly zero (a bias followed by batch norm) shows as rounding noise numerically.
        // Accept it when the analytic gradient is zero to float precision and the numeric one is within noise.
        bool zero = true;
        for (int i = 0; i < analytic.Length; i++) zero &= Math.Abs(analytic[i]) < 1e-5 && Math.Abs(numeric[i]) < 1e-3;
        if (zero && analytic.Length > 0) return;
        double diff = 0, norm = 0;
        int bad = 0;
        for (int i = 0; i < analytic.Length; i++)
        {
            double d = analytic[i] - numeric[i];
            diff += d * d;
            norm += numeric[i] * numeric[i];
            if (Math.Abs(d) > 5e-3 + 0.1 * Math.Abs(numeric[i])) bad++;
        }
        double rel = Math.Sqrt(diff) / (Math.Sqrt(norm) + 1e-8);
        Assert.True(norm > 1e-12, $"{what}: numeric gradient is zero, so the check would prove nothing");
        Assert.True(rel < relTol, $"{what}: relative error {rel:E3} (|numeric| = {Math.Sqrt(norm):E3})");
        Assert.True(bad <= Math.Max(1, analytic.Length / 50), $"{what}: {bad} of {analytic.Length} coordinates disagree");
    }

    /// <summary>Numeric gradient of <paramref name="loss"/> with respect to the entries <paramref name="indices"/> of <paramref name="values"/>.</summary>
    public static double[] Numeric(float[] values, IReadOnlyList<int> indices, Func<double> loss)
    {
        var g = new double[indices.Count];
        for (int n = 0; n < indices.Count; n++)
        {
            int i = indices[n];
            float saved = values[i];
            values[i] = saved + Epsilon;
            double plus = loss();
            values[i] = saved - Epsilon;
            double minus = loss();
            values[i] = saved;
            g[n] = (plus - minus) / (2.0 * Epsilon);
        }
        return g;
    }

    public static int[] Sample(int length, int max, Rng rng)
    {
        if (length <= max) return Enumerable.Range(0, length).ToArray();
        var set = new SortedSet<int>();
        while (set.Count < max) set.Add(rng.NextInt(length));
        return [.. set];
    }

    public static Matrix Random(int rows, int cols, Rng rng, float scale = 1f)
    {
        var m = new Matrix(rows, cols);
        var s = m.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextGaussian() * scale);
        return m;
    }

    /// <summary>Checks a dense layer: loss = Σ output ⊙ R for a fixed random R, against input and parameter gradients.</summary>
    public static void CheckLayer(Layer layer, Matrix input, Rng rng, string name, Workspace? ws = null)
    {
        ws ??= new Workspace(isTraining: true);
        var probe = layer.Forward(input, ws);
        var r = Random(probe.Rows, probe.Cols, rng);
        double Loss()
        {
            var y = layer.Forward(input, ws).Span;
            var rs = r.Span;
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += y[i] * (double)rs[i];
            return s;
        }
        foreach (var p in layer.Parameters()) p.ZeroGrad();
        layer.Forward(input, ws);
        var dx = layer.Backward(r, ws).Span.ToArray();

        var inputIdx = Sample(input.Span.Length, 60, rng);
        var inputBuffer = input.Buffer;
        var numericX = Numeric(inputBuffer, inputIdx, Loss);
        AssertClose(inputIdx.Select(i => (double)dx[i]).ToArray(), numericX, $"{name} dInput");

        foreach (var p in layer.Parameters().Where(p => p.IsTrainable))
        {
            var idx = Sample(p.Value.Length, 60, rng);
            var analytic = idx.Select(i => (double)p.Grad[i]).ToArray();
            var numeric = Numeric(p.Value, idx, Loss);
            AssertClose(analytic, numeric, $"{name} d{p.Name}");
        }
    }
}
