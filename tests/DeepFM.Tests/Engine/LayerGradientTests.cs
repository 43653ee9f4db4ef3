using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Tests.Engine;

public class LayerGradientTests
{
    [Fact]
    public void LinearMatchesFiniteDifferences()
    {
        var rng = new Rng(1);
        var layer = new Linear(7, 5, rng);
        Array.Fill(layer.Bias.Value, 0.3f);
        GradientCheck.CheckLayer(layer, GradientCheck.Random(6, 7, rng), rng, "linear");
    }

    [Theory]
    [InlineData(ActivationKind.Relu)]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Identity)]
    public void ActivationsMatchFiniteDifferences(ActivationKind kind)
    {
        var rng = new Rng(2);
        GradientCheck.CheckLayer(new Activation(kind), GradientCheck.Random(5, 9, rng), rng, kind.ToString());
    }

    [Fact]
    public void BatchNormMatchesFiniteDifferencesInTraining()
    {
        var rng = new Rng(3);
        var bn = new BatchNorm(6);
        for (int j = 0; j < 6; j++) { bn.Gamma.Value[j] = 0.5f + j * 0.3f; bn.Beta.Value[j] = j * 0.1f - 0.2f; }
        GradientCheck.CheckLayer(bn, GradientCheck.Random(8, 6, rng, 2f), rng, "batchnorm");
    }

    [Fact]
    public void BatchNormMatchesFiniteDifferencesInEvaluation()
    {
        var rng = new Rng(4);
        var bn = new BatchNorm(4);
        bn.Forward(GradientCheck.Random(16, 4, rng, 3f), new Workspace(isTraining: true));     // move the running statistics away from (0, 1)
        GradientCheck.CheckLayer(bn, GradientCheck.Random(5, 4, rng), rng, "batchnorm-eval", new Workspace(isTraining: false));
    }

    [Fact]
    public void MlpStackMatchesFiniteDifferences()
    {
        var rng = new Rng(5);
        var mlp = Mlp.Build(12, new MlpSpec([8, 6], ActivationKind.Tanh, 0f, BatchNorm: true), outputs: 1, seed: 5, stream: 0);
        GradientCheck.CheckLayer(mlp, GradientCheck.Random(10, 12, rng), rng, "mlp");
    }

    [Fact]
    public void FactorizationMachineMatchesFiniteDifferencesAndPairwiseSum()
    {
        var rng = new Rng(6);
        int m = 4, k = 3;
        var fm = new FactorizationMachine(m, k);
        var e = GradientCheck.Random(5, m * k, rng);
        // The sum-square identity must equal the explicit O(m²k) pairwise sum.
        var y = fm.Forward(e, new Workspace(isTraining: true)).Span.ToArray();
        for (int r = 0; r < 5; r++)
        {
            double explicitSum = 0;
            for (int i = 0; i < m; i++)
                for (int j = i + 1; j < m; j++)
                    for (int d = 0; d < k; d++) explicitSum += e[r, i * k + d] * (double)e[r, j * k + d];
            Assert.Equal(explicitSum, y[r], 4);
        }
        GradientCheck.CheckLayer(fm, e, rng, "fm");
    }

    [Fact]
    public void DropoutScalesSurvivorsAndPassesGradientThroughTheSameMask()
    {
        var rng = new Rng(7);
        var dropout = new Dropout(0.3f, new Rng(8));
        var x = GradientCheck.Random(200, 50, rng);
        var ws = new Workspace(isTraining: true);
        var y = dropout.Forward(x, ws).Span.ToArray();
        var dy = GradientCheck.Random(200, 50, rng);
        var dx = dropout.Backward(dy, ws).Span.ToArray();
        int dropped = 0;
        for (int i = 0; i < y.Length; i++)
        {
            float mask = y[i] == 0 ? 0 : y[i] / x.Span[i];
            if (y[i] == 0) dropped++;
            else Assert.Equal(1f / 0.7f, mask, 4);
            Assert.Equal(dy.Span[i] * mask, dx[i], 4);
        }
        Assert.InRange(dropped / (double)y.Length, 0.27, 0.33);
        Assert.Equal(x.Span.ToArray(), dropout.Forward(x, new Workspace(isTraining: false)).Span.ToArray());
    }

    [Fact]
    public void EmbeddingGradientScattersScaledRowsAndMarksThem()
    {
        var rng = new Rng(9);
        var emb = new Embedding(10, 3, 0.5f, rng);
        var batch = new Batch(4, 2);
        batch.Size = 3;
        int[] ids = [1, 4, 4, 7, 1, 2];
        float[] values = [1, 2, 1, 0.5f, -1, 1];
        ids.CopyTo(batch.IdBuffer, 0);
        values.CopyTo(batch.ValueBuffer, 0);
        var ws = new Workspace(isTraining: true);
        double Loss(Matrix r)
        {
            var y = emb.Forward(batch, ws).Span;
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += y[i] * (double)r.Span[i];
            return s;
        }
        var rMat = GradientCheck.Random(3, 6, rng);
        emb.Forward(batch, ws);
        emb.Backward(rMat, ws);
        Assert.Equal(new[] { 1, 4, 7, 2 }, emb.Table.Touched!.Rows.ToArray());
        var idx = Enumerable.Range(0, 30).ToArray();
        var numeric = GradientCheck.Numeric(emb.Table.Value, idx, () => Loss(rMat));
        GradientCheck.AssertClose(idx.Select(i => (double)emb.Table.Grad[i]).ToArray(), numeric, "embedding");
        Assert.All(new[] { 0, 3, 5, 6, 8, 9 }, row => Assert.All(emb.Table.GradRow(row).ToArray(), g => Assert.Equal(0f, g)));
    }
}
