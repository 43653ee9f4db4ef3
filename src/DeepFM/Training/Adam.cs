using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepFM.Training;

/// <summary>Adam (Kingma &amp; Ba 2015), β1 = 0.9, β2 = 0.999, ε = 1e-8, with bias correction by the global step;
/// lazy on sparse parameters (moments of untouched rows are left as they are).</summary>
public sealed class Adam(float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f) : Optimizer(learningRate)
{
    private AdamConstants _c;

    /// <inheritdoc />
    protected override int StateArrays => 2;

    /// <inheritdoc />
    protected override void BeginStep() => _c = new AdamConstants(LearningRate, beta1, beta2, epsilon, Steps);

    /// <inheritdoc />
    protected override void Update(Span<float> w, Span<float> g, float[][] state, int offset, int length) =>
        Apply(_c, w, g, state[0].AsSpan(offset, length), state[1].AsSpan(offset, length));

    /// <summary>Per-step constants: <c>stepSize = lr/(1 − β1ᵗ)</c>, <c>sqrtC2 = √(1 − β2ᵗ)</c>.</summary>
    internal readonly record struct AdamConstants(float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2,
        float StepSize, float SqrtC2, float Epsilon)
    {
        public AdamConstants(float lr, float beta1, float beta2, float epsilon, long t)
            : this(beta1, 1 - beta1, beta2, 1 - beta2, lr / (float)(1 - Math.Pow(beta1, t)),
                MathF.Sqrt((float)(1 - Math.Pow(beta2, t))), epsilon) { }
    }

    /// <summary>The plain update, element by element: <c>m = β1·m + (1−β1)·g</c>, <c>v = β2·v + (1−β2)·g²</c>,
    /// <c>w −= stepSize·m / (√v/√(1−β2ᵗ) + ε)</c>.</summary>
    internal static void ApplyScalar(in AdamConstants c, Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v)
    {
        for (int i = 0; i < w.Length; i++)
        {
            float gi = g[i];
            float mi = m[i] = c.Beta1 * m[i] + c.OneMinusBeta1 * gi;
            float vi = v[i] = c.Beta2 * v[i] + c.OneMinusBeta2 * gi * gi;
            w[i] -= c.StepSize * mi / (MathF.Sqrt(vi) / c.SqrtC2 + c.Epsilon);
        }
    }

    /// <summary><see cref="ApplyScalar"/> with 8-wide vectors: the same operations in the same order (no fused
    /// multiply-adds), so the results are bitwise equal.</summary>
    internal static void Apply(in AdamConstants c, Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v)
    {
        int i = 0, n = w.Length;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var b1 = Vector256.Create(c.Beta1);
            var ob1 = Vector256.Create(c.OneMinusBeta1);
            var b2 = Vector256.Create(c.Beta2);
            var ob2 = Vector256.Create(c.OneMinusBeta2);
            var step = Vector256.Create(c.StepSize);
            var sqrtC2 = Vector256.Create(c.SqrtC2);
            var eps = Vector256.Create(c.Epsilon);
            ref float pw = ref MemoryMarshal.GetReference(w);
            ref float pg = ref MemoryMarshal.GetReference(g);
            ref float pm = ref MemoryMarshal.GetReference(m);
            ref float pv = ref MemoryMarshal.GetReference(v);
            for (; i + 8 <= n; i += 8)
            {
                var gi = Vector256.LoadUnsafe(ref pg, (nuint)i);
                var mi = b1 * Vector256.LoadUnsafe(ref pm, (nuint)i) + ob1 * gi;
                var vi = b2 * Vector256.LoadUnsafe(ref pv, (nuint)i) + ob2 * gi * gi;
                mi.StoreUnsafe(ref pm, (nuint)i);
                vi.StoreUnsafe(ref pv, (nuint)i);
                var wi = Vector256.LoadUnsafe(ref pw, (nuint)i) - step * mi / (Vector256.Sqrt(vi) / sqrtC2 + eps);
                wi.StoreUnsafe(ref pw, (nuint)i);
            }
        }
        if (i < n) ApplyScalar(c, w[i..], g[i..], m[i..], v[i..]);
    }
}
