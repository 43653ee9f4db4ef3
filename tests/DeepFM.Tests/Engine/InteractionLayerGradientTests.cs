using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Tests.Engine;

/// <summary>The interaction layers of the post-paper models, each against finite differences on its own (the
/// registry-wide model checks reach them only at the models' default settings, e.g. one CIN layer).</summary>
public class InteractionLayerGradientTests
{
    [Fact]
    public void AttentionPoolingMatchesFiniteDifferences()
    {
        // Plain central differences, so the seed is one whose ±ε probes cross no ReLU kink of the attention network:
        // with seeds 21 and 31 a few W entries do, and there the analytic gradient equals one of the one-sided
        // differences (the other side's slope differs), as a kink makes it.
        var rng = new Rng(41);
        GradientCheck.CheckLayer(new AttentionPooling(4, 3, 5, rng), GradientCheck.Random(6, 12, rng), rng, "afm-attention");
    }

    [Theory]
    [InlineData(3, 2, 2)]   // d ≠ D: a W_Res projection
    [InlineData(4, 2, 2)]   // d = D: the identity residual
    [InlineData(3, 1, 3)]
    public void MultiHeadSelfAttentionMatchesFiniteDifferences(int inputDim, int heads, int headDim)
    {
        var rng = new Rng(22);
        const int fields = 4;
        GradientCheck.CheckLayer(new MultiHeadSelfAttention(fields, inputDim, heads, headDim, rng), GradientCheck.Random(5, fields * inputDim, rng), rng, "self-attention");
    }

    [Fact]
    public void StackedSelfAttentionMatchesFiniteDifferences()
    {
        var rng = new Rng(23);
        var stack = new Sequential()
            .Add(new MultiHeadSelfAttention(3, 2, 2, 2, rng))
            .Add(new MultiHeadSelfAttention(3, 4, 2, 2, rng));
        GradientCheck.CheckLayer(stack, GradientCheck.Random(4, 6, rng), rng, "self-attention-stack");
    }

    [Theory]
    [InlineData(new[] { 4 })]
    [InlineData(new[] { 3, 2, 2 })]
    public void CompressedInteractionMatchesFiniteDifferences(int[] units)
    {
        var rng = new Rng(24);
        GradientCheck.CheckLayer(new CompressedInteraction(4, 3, units, rng), GradientCheck.Random(5, 12, rng, 0.7f), rng, "cin");
    }

    [Fact]
    public void BilinearInteractionMatchesFiniteDifferences()
    {
        var rng = new Rng(25);
        GradientCheck.CheckLayer(new BilinearInteraction(4, 3, rng), GradientCheck.Random(5, 12, rng), rng, "bilinear");
    }

    [Theory]
    [InlineData(ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Relu)]
    public void SqueezeExcitationMatchesFiniteDifferences(ActivationKind excitation)
    {
        var rng = new Rng(26);
        var senet = new SqueezeExcitation(6, 3, 2, excitation, rng);
        var input = GradientCheck.Random(5, 18, rng);
        for (int i = 0; i < input.Span.Length; i++) input.Span[i] += 0.5f;   // field means away from zero, so the ReLUs are mostly on
        GradientCheck.CheckLayer(senet, input, rng, "senet-" + excitation);
    }

    [Fact]
    public void FeatureGateMatchesFiniteDifferences()
    {
        var rng = new Rng(27);
        var gate = new FeatureGate(12, 3, seed: 7, stream: 1);
        foreach (var p in gate.Parameters())
            for (int i = 0; i < p.Value.Length; i++) p.Value[i] += (float)(rng.NextGaussian() * 0.2);
        GradientCheck.CheckLayer(gate, GradientCheck.Random(6, 12, rng), rng, "gate");
    }

    [Fact]
    public void BilinearFusionMatchesFiniteDifferences()
    {
        var rng = new Rng(28);
        var fusion = new BilinearFusion(6, 4, heads: 2, rng);
        var left = GradientCheck.Random(5, 6, rng);
        var right = GradientCheck.Random(5, 4, rng);
        var ws = new Workspace(isTraining: true);
        var r = GradientCheck.Random(5, 1, rng);
        double Loss()
        {
            var y = fusion.Forward(left, right, ws).Span;
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += y[i] * (double)r.Span[i];
            return s;
        }
        foreach (var p in fusion.Parameters()) p.ZeroGrad();
        fusion.Forward(left, right, ws);
        var (dl, dr) = fusion.Backward(r, ws);
        var dLeft = dl.Span.ToArray();
        var dRight = dr.Span.ToArray();
        var all = Enumerable.Range(0, 30).ToArray();
        GradientCheck.AssertClose(all.Select(i => (double)dLeft[i]).ToArray(), GradientCheck.Numeric(left.Buffer, all, Loss), "fusion dLeft");
        var allRight = Enumerable.Range(0, 20).ToArray();
        GradientCheck.AssertClose(allRight.Select(i => (double)dRight[i]).ToArray(), GradientCheck.Numeric(right.Buffer, allRight, Loss), "fusion dRight");
        foreach (var p in fusion.Parameters())
        {
            var idx = Enumerable.Range(0, p.Value.Length).ToArray();
            GradientCheck.AssertClose(idx.Select(i => (double)p.Grad[i]).ToArray(), GradientCheck.Numeric(p.Value, idx, Loss), "fusion d" + p.Name);
        }
    }
}
