using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Training;

/// <summary>
/// Updates parameters from their gradients, then clears the gradients. Sparse parameters (embedding tables) are
/// updated lazily: only the rows touched since the last step are read or written, so a step costs the same whatever
/// the vocabulary size. L2 (<see cref="Parameter.L2"/>) is added to the gradient of each row updated.
/// </summary>
public abstract class Optimizer
{
    private readonly Dictionary<Parameter, float[][]> _state = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates an optimizer with a learning rate.</summary>
    protected Optimizer(float learningRate) => LearningRate = learningRate;

    /// <summary>Current learning rate (the trainer lowers it on plateaus).</summary>
    public float LearningRate { get; set; }

    /// <summary>Rows in the current mini-batch (set by the trainer before each step). Gradients are means over the
    /// batch; per-example algorithms such as FTRL use it to recover the summed gradient.</summary>
    public int BatchRows { get; set; } = 1;

    /// <summary>Number of steps taken.</summary>
    public long Steps { get; private set; }

    /// <summary>Number of state arrays per parameter (Adam: 2, FTRL: 2, Adagrad: 1, SGD: 0).</summary>
    protected abstract int StateArrays { get; }

    /// <summary>Initial value of the state arrays (Adagrad starts its accumulator above zero).</summary>
    protected virtual float InitialState(int index) => 0f;

    /// <summary>Applies one update to every trainable parameter and clears their gradients.</summary>
    public void Step(IReadOnlyList<Parameter> parameters)
    {
        Steps++;
        foreach (var p in parameters)
        {
            if (!p.IsTrainable) continue;
            var state = State(p);
            if (p.Touched is { } touched)
            {
                int k = p.Cols;
                foreach (int r in touched.Rows) UpdateRow(p, state, r * k, k);
            }
            else
            {
                UpdateRow(p, state, 0, p.Value.Length);
            }
            p.ZeroGrad();
        }
    }

    /// <summary>The optimizer's per-parameter state arrays (for checkpoints and tests).</summary>
    public float[][] State(Parameter p)
    {
        if (!_state.TryGetValue(p, out var s))
        {
            s = new float[StateArrays][];
            for (int i = 0; i < s.Length; i++)
            {
                s[i] = new float[p.Value.Length];
                float init = InitialState(i);
                if (init != 0) Array.Fill(s[i], init);
            }
            _state[p] = s;
        }
        return s;
    }

    private void UpdateRow(Parameter p, float[][] state, int offset, int length)
    {
        var w = p.Value.AsSpan(offset, length);
        var g = p.Grad.AsSpan(offset, length);
        if (p.L2 != 0) TensorPrimitives.MultiplyAdd(w, p.L2, g, g);
        Update(w, g, state, offset, length);
    }

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
    /// <inheritdoc />
    protected override int StateArrays => 2;

    /// <inheritdoc />
    protected override void Update(Span<float> w, Span<float> g, float[][] state, int offset, int length)
    {
        var m = state[0].AsSpan(offset, length);
        var v = state[1].AsSpan(offset, length);
        double t = Steps;
        float c1 = (float)(1 - Math.Pow(beta1, t));
        float c2 = (float)(1 - Math.Pow(beta2, t));
        float stepSize = LearningRate / c1;
        float sqrtC2 = MathF.Sqrt(c2);
        for (int i = 0; i < length; i++)
        {
            float gi = g[i];
            float mi = m[i] = beta1 * m[i] + (1 - beta1) * gi;
            float vi = v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
            w[i] -= stepSize * mi / (MathF.Sqrt(vi) / sqrtC2 + epsilon);
        }
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
/// online, per-example method: it is applied to the batch's summed gradient (mean × <see cref="Optimizer.BatchRows"/>),
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
    protected override void Update(Span<float> w, Span<float> g, float[][] state, int offset, int length)
    {
        var z = state[0].AsSpan(offset, length);
        var n = state[1].AsSpan(offset, length);
        float alpha = _alpha;
        float scale = BatchRows;
        for (int i = 0; i < length; i++)
        {
            float gi = g[i] * scale;
            float nNew = n[i] + gi * gi;
            float sigma = (MathF.Sqrt(nNew) - MathF.Sqrt(n[i])) / alpha;
            z[i] += gi - sigma * w[i];
            n[i] = nNew;
            float zi = z[i];
            w[i] = MathF.Abs(zi) <= l1 ? 0f : -(zi - MathF.Sign(zi) * l1) / ((beta + MathF.Sqrt(nNew)) / alpha);
        }
    }
}
