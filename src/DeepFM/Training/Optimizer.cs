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
