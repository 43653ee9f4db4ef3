using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepFM.Training;

/// <summary>
/// FTRL-Proximal (McMahan et al. 2013, Algorithm 1), per coordinate, with α = learning rate, β = 1 and L1 = λ1; L2
/// enters as a gradient term, as for the other optimizers (not as the paper's λ2 in the denominator). FTRL is an
/// online, per-example method: it is applied to the batch's summed data gradient (mean × <see cref="Optimizer.BatchRows"/>; L2 is added after, once),
/// so rare features are not starved by the 1/B of a mean. Its per-coordinate schedule α/(β+√n) is built in, so it
/// keeps the α it was created with and ignores plateau decay of <see cref="Optimizer.LearningRate"/> (changing α
/// would rescale every weight at once). It keeps <c>z</c> and <c>n</c> and sets
/// <c>w = 0</c> if <c>|z| ≤ λ1</c>, else <c>w = −(z − sign(z)λ1) / ((β + √n)/α)</c>. The paper trains LR with it.
/// </summary>
public sealed class Ftrl(float learningRate, float l1 = 0f, float beta = 1f) : Optimizer(learningRate)
{
    private readonly float _alpha = learningRate;

    /// <inheritdoc />
    protected override int StateArrays => 2;

    /// <inheritdoc />
    protected override float DataGradientScale => BatchRows;

    /// <inheritdoc />
    protected override void Update(Span<float> w, Span<float> g, float[][] state, int offset, int length)
    {
        var z = state[0].AsSpan(offset, length);
        var n = state[1].AsSpan(offset, length);
        float alpha = _alpha;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // The scalar formula below, eight lanes at a time, operation for operation (same roundings, no fused
            // multiply-adds), so both paths give the same bits.
            var va = Vector256.Create(alpha);
            var vl1 = Vector256.Create(l1);
            var vbeta = Vector256.Create(beta);
            var one = Vector256.Create(1f);
            ref float pw = ref MemoryMarshal.GetReference(w);
            ref float pg = ref MemoryMarshal.GetReference(g);
            ref float pz = ref MemoryMarshal.GetReference(z);
            ref float pn = ref MemoryMarshal.GetReference(n);
            for (; i + 8 <= length; i += 8)
            {
                var gi = Vector256.LoadUnsafe(ref pg, (nuint)i);
                var ni = Vector256.LoadUnsafe(ref pn, (nuint)i);
                var wi = Vector256.LoadUnsafe(ref pw, (nuint)i);
                var nNew = ni + gi * gi;
                var sqrtNew = Vector256.Sqrt(nNew);
                var sigma = (sqrtNew - Vector256.Sqrt(ni)) / va;
                var zi = Vector256.LoadUnsafe(ref pz, (nuint)i) + (gi - sigma * wi);
                zi.StoreUnsafe(ref pz, (nuint)i);
                nNew.StoreUnsafe(ref pn, (nuint)i);
                var sign = Vector256.ConditionalSelect(Vector256.LessThan(zi, Vector256<float>.Zero), -one,
                    Vector256.ConditionalSelect(Vector256.GreaterThan(zi, Vector256<float>.Zero), one, Vector256<float>.Zero));
                var wNew = -(zi - sign * vl1) / ((vbeta + sqrtNew) / va);
                Vector256.ConditionalSelect(Vector256.LessThanOrEqual(Vector256.Abs(zi), vl1), Vector256<float>.Zero, wNew)
                    .StoreUnsafe(ref pw, (nuint)i);
            }
        }
        for (; i < length; i++)
        {
            float gi = g[i];
            float nNew = n[i] + gi * gi;
            float sigma = (MathF.Sqrt(nNew) - MathF.Sqrt(n[i])) / alpha;
            z[i] += gi - sigma * w[i];
            n[i] = nNew;
            float zi = z[i];
            w[i] = MathF.Abs(zi) <= l1 ? 0f : -(zi - (zi > 0 ? 1f : zi < 0 ? -1f : 0f) * l1) / ((beta + MathF.Sqrt(nNew)) / alpha);
        }
    }
}
