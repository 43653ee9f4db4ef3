using DeepFM.Engine;
using DeepFM.Training;

namespace DeepFM.Tests.Training;

public class OptimizerTests
{
    [Fact]
    public void AdamFirstStepMovesEachWeightByLearningRateAgainstTheGradientSign()
    {
        // After one step m̂ = g and v̂ = g², so Δw = −lr·g/(|g|+ε) ≈ −lr·sign(g).
        var p = new Parameter("w", 1, 3);
        p.Value[0] = 1; p.Value[1] = 2; p.Value[2] = 3;
        p.Grad[0] = 0.5f; p.Grad[1] = -4f; p.Grad[2] = 0f;
        new Adam(0.1f).Step([p]);
        Assert.Equal(0.9f, p.Value[0], 5);
        Assert.Equal(2.1f, p.Value[1], 5);
        Assert.Equal(3f, p.Value[2], 5);
        Assert.All(p.Grad, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void LazyAdamUpdatesOnlyTouchedRowsAndAppliesL2ToThem()
    {
        var p = new Parameter("table", 4, 2, sparse: true) { L2 = 0.5f };
        Array.Fill(p.Value, 1f);
        p.GradRow(2)[0] = 0f; // touched with zero data gradient: only L2 (0.5·1) acts
        p.Touched!.Add(2);
        var adam = new Adam(0.01f);
        adam.Step([p]);
        Assert.Equal(0.99f, p.Value[4], 5);
        Assert.Equal(0.99f, p.Value[5], 5);
        foreach (int row in new[] { 0, 1, 3 }) Assert.Equal(new[] { 1f, 1f }, p.ValueRow(row).ToArray());
        Assert.Equal(0, p.Touched.Count);
    }

    [Fact]
    public void FtrlMatchesTheClosedFormOfMcMahanAlgorithmOne()
    {
        // w0 = 0, g = 2, α = 0.5, β = 1: n = 4, σ = (2−0)/0.5 = 4, z = 2 − 4·0 = 2, w = −z/((β+√n)/α) = −2/6.
        var p = new Parameter("w", 1, 1);
        p.Grad[0] = 2f;
        var ftrl = new Ftrl(0.5f);
        ftrl.Step([p]);
        Assert.Equal(-2f / 6f, p.Value[0], 5);
        // Second step g = −1: n = 5, σ = (√5−2)/0.5, z = 2 + (−1) − σ·w, w = −z/((1+√5)/0.5).
        p.Grad[0] = -1f;
        double sigma = (Math.Sqrt(5) - 2) / 0.5;
        double z = 2 - 1 - sigma * (-2.0 / 6.0);
        ftrl.Step([p]);
        Assert.Equal(-z / ((1 + Math.Sqrt(5)) / 0.5), p.Value[0], 5);
    }

    [Fact]
    public void SgdAndAdagradStepsByHand()
    {
        var p = new Parameter("w", 1, 1);
        p.Value[0] = 1; p.Grad[0] = 2;
        new Sgd(0.1f).Step([p]);
        Assert.Equal(0.8f, p.Value[0], 6);
        p.Grad[0] = 2;
        new Adagrad(0.1f).Step([p]);   // acc = 0.1 + 4 → w −= 0.1·2/√4.1
        Assert.Equal(0.8f - 0.2f / MathF.Sqrt(4.1f), p.Value[0], 5);
    }

    [Fact]
    public void GradientClippingBoundsTheGlobalNorm()
    {
        var a = new Parameter("a", 1, 2);
        var b = new Parameter("b", 3, 1, sparse: true);
        a.Grad[0] = 3; a.Grad[1] = 0;
        b.Grad[1] = 4; b.Touched!.Add(1);
        Trainer.ClipGradients([a, b], 1f);
        Assert.Equal(0.6f, a.Grad[0], 4);
        Assert.Equal(0.8f, b.Grad[1], 4);
    }
}

public class OptimizerHandComputedTests
{
    [Fact]
    public void AdamSecondStepUsesBiasCorrectedMoments()
    {
        // g1 = 1, g2 = 3, lr 0.1: m2 = 0.9·0.1 + 0.1·3 = 0.39, v2 = 0.999·0.001 + 0.001·9 = 0.009999,
        // m̂ = 0.39/(1−0.81) , v̂ = 0.009999/(1−0.998001); step 2 moves w by −lr·m̂/(√v̂ + ε).
        var p = new Parameter("w", 1, 1);
        var adam = new Adam(0.1f);
        p.Grad[0] = 1f;
        adam.Step([p]);
        float afterOne = p.Value[0];
        Assert.Equal(-0.1f, afterOne, 5);
        p.Grad[0] = 3f;
        adam.Step([p]);
        double mHat = 0.39 / (1 - 0.81), vHat = 0.009999 / (1 - 0.998001);
        Assert.Equal(afterOne - 0.1 * mHat / (Math.Sqrt(vHat) + 1e-8), p.Value[0], 4);
    }

    [Fact]
    public void FtrlUsesTheSummedDataGradientAndAddsL2Once()
    {
        // Batch of 4 rows, mean gradient 0.5 → summed 2; L2 0.25 on w0 = 1 adds 0.25 once: g = 2.25.
        // α = 0.5, β = 1: n = 5.0625, σ = 2.25/0.5 = 4.5, z = 2.25 − 4.5·1 = −2.25, w = 2.25/((1+2.25)/0.5).
        var p = new Parameter("w", 1, 1) { L2 = 0.25f };
        p.Value[0] = 1f;
        p.Grad[0] = 0.5f;
        var ftrl = new Ftrl(0.5f) { BatchRows = 4 };
        ftrl.Step([p]);
        Assert.Equal(2.25 / (3.25 / 0.5), p.Value[0], 5);
    }
}
