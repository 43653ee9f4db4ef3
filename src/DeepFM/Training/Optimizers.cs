using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DeepFM.Engine;

namespace DeepFM.Training;

/// <summary>
/// Updates parameters from their gradients, then clears the gradients. Sparse parameters (embedding tables) are
/// updated lazily: only the rows touched since the last step are read or written, so a step costs the same whatever
/// the vocabulary size. L2 (<see cref="Parameter.L2"/>) is added to the gradient of each row updated.
/// </summary>
public abstract class Optimizer
{
    // Keyed by parameter name, not object: a checkpoint's state applies to a freshly built copy of the model.
    private readonly Dictionary<string, float[][]> _state = new(StringComparer.Ordinal);

    /// <summary>Creates an optimizer with a learning rate.</summary>
    protected Optimizer(float learningRate) => LearningRate = learningRate;

    /// <summary>Current learning rate (the trainer lowers it on plateaus).</summary>
    public float LearningRate { get; set; }

    /// <summary>Rows in the current mini-batch (set by the trainer before each step). Gradients are means over the
    /// batch; per-example algorithms such as FTRL use it to recover the summed gradient.</summary>
    public int BatchRows { get; set; } = 1;

    /// <summary>Number of steps taken (Adam's bias corrections depend on it, so a resumed run restores it).</summary>
    public long Steps { get; set; }

    /// <summary>Number of state arrays per parameter (Adam: 2, FTRL: 2, Adagrad: 1, SGD: 0).</summary>
    protected abstract int StateArrays { get; }

    /// <summary>Initial value of the state arrays (Adagrad starts its accumulator above zero).</summary>
    protected virtual float InitialState(int index) => 0f;

    /// <summary>Applies one update to every trainable parameter and clears their gradients, on all cores.</summary>
    public void Step(IReadOnlyList<Parameter> parameters) => Step(parameters, ComputeContext.Default);

    /// <summary>Applies one update to every trainable parameter and clears their gradients, with the threads of
    /// <paramref name="compute"/> (the result does not depend on them: each scalar is updated by one thread).</summary>
    public void Step(IReadOnlyList<Parameter> parameters, ComputeContext compute)
    {
        Steps++;
        BeginStep();
        for (int i = 0; i < parameters.Count; i++)   // for, not foreach: no boxed enumerator per step
        {
            var p = parameters[i];
            if (!p.IsTrainable) continue;
            var state = State(p);
            if (p.Touched is { } touched)
            {
                // Many rows touched: scan the row range in order and update runs of consecutive touched rows in one
                // call (sequential memory, long vectors); few: visit the touched list.
                bool scan = (long)touched.Count * ScanDensity >= p.Rows;
                _job.Set(this, p, state, scan);
                compute.For(scan ? p.Rows : touched.Count, Math.Max(1, ParallelMinElements / p.Cols), _job);
                touched.Clear();   // the job cleared the gradient rows
            }
            else
            {
                _job.Set(this, p, state, scan: false);
                compute.For(p.Value.Length, ParallelMinElements, _job);
            }
        }
    }

    /// <summary>Below this many scalars a parameter is updated on one thread.</summary>
    private const int ParallelMinElements = 32768;

    /// <summary>A sparse parameter is scanned in row order when at least 1/ScanDensity of its rows are touched.</summary>
    private const int ScanDensity = 16;

    private readonly UpdateJob _job = new();

    /// <summary>Called once per <see cref="Step(IReadOnlyList{Parameter}, ComputeContext)"/>, after <see cref="Steps"/> is incremented, before any
    /// <see cref="Update"/>: the place for per-step constants (Adam's bias corrections).</summary>
    protected virtual void BeginStep() { }

    /// <summary>Updates rows of a sparse parameter (indices into its touched list) or a range of a dense one, and
    /// clears their gradient. Parts of one parameter are disjoint, so the split does not change the result.</summary>
    private sealed class UpdateJob : RangeJob
    {
        private Optimizer _optimizer = null!;
        private Parameter _p = null!;
        private float[][] _state = [];
        private bool _sparse, _scan;

        public void Set(Optimizer optimizer, Parameter p, float[][] state, bool scan)
        {
            (_optimizer, _p, _state, _sparse, _scan) = (optimizer, p, state, p.IsSparse, scan);
        }

        /// <summary>[start, end) indexes rows when scanning, the touched list when sparse, scalars when dense.</summary>
        public override void Run(int start, int end)
        {
            int k = _p.Cols;
            if (_scan)
            {
                var touched = _p.Touched!;
                for (int r = start; r < end; r++)
                {
                    if (!touched.Contains(r)) continue;
                    int first = r;
                    while (r + 1 < end && touched.Contains(r + 1)) r++;
                    _optimizer.UpdateRow(_p, _state, first * k, (r - first + 1) * k);
                }
            }
            else if (_sparse)
            {
                var rows = _p.Touched!.Rows;
                for (int i = start; i < end; i++) _optimizer.UpdateRow(_p, _state, rows[i] * k, k);
            }
            else
            {
                _optimizer.UpdateRow(_p, _state, start, end - start);
            }
        }
    }

    /// <summary>The optimizer's state arrays for <paramref name="p"/> (created on first use), keyed by its name.</summary>
    public float[][] State(Parameter p)
    {
        if (!_state.TryGetValue(p.Name, out var s))
        {
            s = new float[StateArrays][];
            for (int i = 0; i < s.Length; i++)
            {
                s[i] = new float[p.Value.Length];
                float init = InitialState(i);
                if (init != 0) Array.Fill(s[i], init);
            }
            _state[p.Name] = s;
        }
        else if (s.Length > 0 && s[0].Length != p.Value.Length)
        {
            throw new InvalidOperationException($"Optimizer state for '{p.Name}' has {s[0].Length} values; the parameter has {p.Value.Length}.");
        }
        return s;
    }

    /// <summary>Every parameter's state arrays so far, by parameter name (what a checkpoint saves).</summary>
    public IReadOnlyDictionary<string, float[][]> StateByName => _state;

    /// <summary>Sets the state arrays of the parameter named <paramref name="name"/> (restoring a checkpoint).</summary>
    public void SetState(string name, float[][] arrays)
    {
        if (arrays.Length != StateArrays) throw new ArgumentException($"{GetType().Name} keeps {StateArrays} state arrays per parameter, not {arrays.Length}.", nameof(arrays));
        _state[name] = arrays;
    }

    private void UpdateRow(Parameter p, float[][] state, int offset, int length)
    {
        var w = p.Value.AsSpan(offset, length);
        var g = p.Grad.AsSpan(offset, length);
        float scale = DataGradientScale;
        if (scale != 1f) TensorPrimitives.Multiply(g, scale, g);
        if (p.L2 != 0) TensorPrimitives.MultiplyAdd(w, p.L2, g, g);
        Update(w, g, state, offset, length);
        g.Clear();
    }

    /// <summary>Factor applied to the (batch-mean) data gradient before L2 is added; 1 except for per-example methods.</summary>
    protected virtual float DataGradientScale => 1f;

    /// <summary>Updates the slice <c>w</c> given its gradient <c>g</c> (L2 already added) and the state arrays at the same offset.</summary>
    protected abstract void Update(Span<float> w, Span<float> g, float[][] state, int offset, int length);

    /// <summary>Creates an optimizer by name: adam, adagrad, sgd, ftrl.</summary>
    public static Optimizer Create(string name, float learningRate) => name.ToLowerInvariant() switch
    {
        "adam" => new Adam(learningRate),
        "adagrad" => new Adagrad(learningRate),
        "sgd" => new Sgd(learningRate),
        "ftrl" => new Ftrl(learningRate),
        _ => throw new UserInputException($"Unknown optimizer '{name}'. Known: adam, adagrad, sgd, ftrl."),
    };
}

/// <summary>Plain stochastic gradient descent.</summary>
public sealed class Sgd(float learningRate) : Optimizer(learningRate)
{
    /// <inheritdoc />
    protected override int StateArrays => 0;

    /// <inheritdoc />
    protected override void Update(Span<float> w, Span<float> g, float[][] state, int offset, int length) =>
        TensorPrimitives.MultiplyAdd(g, -LearningRate, w, w);
}

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
