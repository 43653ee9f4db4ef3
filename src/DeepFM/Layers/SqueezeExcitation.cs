using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// FiBiNET's SENET layer (Huang et al. 2019, eqs. 3–5; FuxiCTR's <c>SqueezeExcitationLayer</c>): the m field
/// embeddings of a row (<c>B × m·k</c>) are squeezed to their means <c>z_i = mean(e_i)</c>, excited by two
/// bias-free layers <c>a = σ(W_2 ReLU(W_1 z))</c> (<c>m → m/r → m</c>, <see cref="ReductionRatio"/> r; σ the
/// <see cref="Excitation"/>, ReLU as FuxiCTR 1.1 or the SE block's sigmoid gate as FuxiCTR 2's
/// <c>excitation_activation</c> option), and re-weighted: <c>v_i = a_i e_i</c>. Output <c>B × m·k</c>.
/// </summary>
/// <remarks>The squeeze and both excitation layers are GEMMs over the batch; the re-weighting and its gradient
/// (<c>∂a_i = ⟨∂v_i, e_i⟩</c>, <c>∂e_i = a_i ∂v_i + ∂z_i/k</c>) are row loops of TensorPrimitives calls.</remarks>
public sealed class SqueezeExcitation : Layer
{
    /// <summary>Creates the layer for m fields of size k: Glorot-uniform W_1 (<c>m × max(1, m/r)</c>) and W_2.</summary>
    public SqueezeExcitation(int fields, int dim, int reductionRatio, ActivationKind excitation, Rng rng)
    {
        if (excitation is not (ActivationKind.Relu or ActivationKind.Sigmoid)) throw new ArgumentException("The excitation is relu or sigmoid.", nameof(excitation));
        Excitation = excitation;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fields);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(reductionRatio);
        Fields = fields;
        Dim = dim;
        ReductionRatio = reductionRatio;
        Reduced = Math.Max(1, fields / reductionRatio);
        Squeeze = Glorot("excite.weight", fields, Reduced, rng);
        Excite = Glorot("restore.weight", Reduced, fields, rng);
    }

    private Parameter Glorot(string name, int inputs, int outputs, Rng rng)
    {
        var p = AddParameter(name, inputs, outputs);
        float limit = MathF.Sqrt(6f / (inputs + outputs));
        for (int i = 0; i < p.Value.Length; i++) p.Value[i] = (2 * rng.NextFloat() - 1) * limit;
        return p;
    }

    /// <summary>Fields m.</summary>
    public int Fields { get; }

    /// <summary>Embedding size k.</summary>
    public int Dim { get; }

    /// <summary>Reduction ratio r.</summary>
    public int ReductionRatio { get; }

    /// <summary>The excitation's output activation σ (relu or sigmoid).</summary>
    public ActivationKind Excitation { get; }

    /// <summary>Width of the excitation's hidden layer, <c>max(1, m/r)</c>.</summary>
    public int Reduced { get; }

    /// <summary>W_1, <c>m × m/r</c>.</summary>
    public Parameter Squeeze { get; }

    /// <summary>W_2, <c>m/r × m</c>.</summary>
    public Parameter Excite { get; }

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        int m = Fields, k = Dim, h = Reduced;
        if (input.Cols != m * k) throw new ArgumentException($"SqueezeExcitation expects {m}×{k} columns, got {input.Cols}.");
        var state = ws.State<State>(this);
        int b = input.Rows;
        state.Input = input;
        var z = state.Means.Reshape(b, m).Span;
        var hidden = state.Hidden.Reshape(b, h).Span;
        var a = state.Weights.Reshape(b, m).Span;
        Gemm.Multiply(ws.Compute, false, false, b * m, 1, k, input.Span, k, state.Mean(k), 1, z, 1, accumulate: false);   // z_i = mean(e_i)
        Gemm.Multiply(ws.Compute, false, false, b, h, m, z, m, Squeeze.Value, h, hidden, h, accumulate: false);
        TensorPrimitives.Max(hidden, 0f, hidden);                                                                        // ReLU(W_1 z)
        Gemm.Multiply(ws.Compute, false, false, b, m, h, hidden, h, Excite.Value, m, a, m, accumulate: false);
        if (Excitation == ActivationKind.Relu) TensorPrimitives.Max(a, 0f, a);                                          // a = σ(W_2 ·)
        else TensorPrimitives.Sigmoid(a, a);
        state.Output.Reshape(b, m * k);
        Run(ws, state, forward: true, b);                                                                                // v_i = a_i e_i
        return state.Output;
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var input = state.Input ?? throw new InvalidOperationException("Backward before Forward.");
        int m = Fields, k = Dim, h = Reduced, b = input.Rows;
        state.Grad = gradOutput.Buffer;
        var da = state.WeightGradient.Reshape(b, m).Span;
        state.GradInput.Reshape(b, m * k);
        Run(ws, state, forward: false, b);                                                                               // ∂a_i = ⟨∂v_i, e_i⟩, ∂e_i = a_i ∂v_i
        var a = state.Weights.Span;
        if (Excitation == ActivationKind.Relu) Activation.ReluBackward(a, da, da);
        else
        {
            var slope = state.HiddenGradient.Reshape(b, m).Span;   // σ' = a(1 − a), in a buffer not yet in use
            TensorPrimitives.Subtract(1f, a, slope);
            TensorPrimitives.Multiply(slope, a, slope);
            TensorPrimitives.Multiply(da, slope, da);
        }
        var dHidden = state.HiddenGradient.Reshape(b, h).Span;
        Gemm.Multiply(ws.Compute, true, false, h, m, b, state.Hidden.Span, h, da, m, Excite.Grad, m, accumulate: true);
        Gemm.Multiply(ws.Compute, false, true, b, h, m, da, m, Excite.Value, m, dHidden, h, accumulate: false);
        Activation.ReluBackward(state.Hidden.Span, dHidden, dHidden);
        var dz = state.MeanGradient.Reshape(b, m).Span;
        Gemm.Multiply(ws.Compute, true, false, m, h, b, state.Means.Span, m, dHidden, h, Squeeze.Grad, h, accumulate: true);
        Gemm.Multiply(ws.Compute, false, true, b, m, h, dHidden, h, Squeeze.Value, h, dz, m, accumulate: false);
        // ∂e_i += ∂z_i/k on every coordinate: a rank-one update per field, (B·m × 1)·(1 × k).
        Gemm.Multiply(ws.Compute, false, false, b * m, k, 1, dz, 1, state.Mean(k), k, state.GradInput.Span, k, accumulate: true);
        return state.GradInput;
    }

    private void Run(Workspace ws, State state, bool forward, int rows)
    {
        state.Job.Set(this, state, forward);
        ws.Compute.For(rows, Math.Max(1, Activation.ParallelMinElements / (Fields * Dim)), state.Job);
    }

    /// <summary>ONNX: the mean over the embedding axis, the two bias-free layers, and the re-weighting
    /// <c>[N, m, k] ⊙ [N, m, 1]</c>, flattened.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        string prefix = Squeeze.Name.EndsWith(".excite.weight", StringComparison.Ordinal) ? Squeeze.Name[..^".excite.weight".Length] : "senet";
        string fields = graph.SplitFields(input, Fields, Dim, prefix + ".fields");                                        // [N, m, k]
        string sum = graph.ReduceSum(fields, [2], keepDims: false, prefix + ".sum");
        string z = graph.Mul(sum, graph.Constant(prefix + ".inverse_k", [1f / Dim], [1]), prefix + ".squeeze");           // [N, m]
        string hidden = graph.Node("Relu", [graph.Node("MatMul", [z, graph.Parameter(Squeeze)], prefix + ".excite")], prefix + ".excite_relu");
        string a = graph.Node(Excitation == ActivationKind.Relu ? "Relu" : "Sigmoid", [graph.Node("MatMul", [hidden, graph.Parameter(Excite)], prefix + ".restore")], prefix + ".weights");   // [N, m]
        string column = graph.Node("Unsqueeze", [a, graph.Constant(prefix + ".axes2", [2])], prefix + ".weights_column");   // [N, m, 1]
        return graph.Flatten(graph.Mul(fields, column, prefix + ".reweighted"), prefix);
    }

    /// <summary>What one workspace keeps: the input, z, the hidden layer, a, the output, and backward's buffers.</summary>
    private sealed class State
    {
        public Matrix? Input;
        public float[] Grad = [];
        public readonly Matrix Means = new(), Hidden = new(), Weights = new(), Output = new();
        public readonly Matrix WeightGradient = new(), HiddenGradient = new(), MeanGradient = new(), GradInput = new();
        public readonly Job Job = new();
        private float[] _mean = [];

        /// <summary>k copies of 1/k (the squeeze as a matrix–vector product, and its gradient as a rank-one one).</summary>
        public ReadOnlySpan<float> Mean(int k)
        {
            if (_mean.Length != k) { _mean = new float[k]; _mean.AsSpan().Fill(1f / k); }
            return _mean;
        }
    }

    /// <summary>Rows [start, end): forward <c>v_i = a_i e_i</c>; backward <c>∂a_i = ⟨∂v_i, e_i⟩</c>, <c>∂e_i = a_i ∂v_i</c>.</summary>
    private sealed class Job : RangeJob
    {
        private SqueezeExcitation _layer = null!;
        private State _state = null!;
        private bool _forward;

        public void Set(SqueezeExcitation layer, State state, bool forward) => (_layer, _state, _forward) = (layer, state, forward);

        public override void Run(int start, int end)
        {
            int m = _layer.Fields, k = _layer.Dim;
            var e = _state.Input!.Span;
            var a = _state.Weights.Buffer;
            for (int r = start; r < end; r++)
                for (int f = 0; f < m; f++)
                {
                    int at = (r * m + f) * k;
                    if (_forward)
                    {
                        TensorPrimitives.Multiply(e.Slice(at, k), a[r * m + f], _state.Output.Buffer.AsSpan(at, k));
                        continue;
                    }
                    var dv = _state.Grad.AsSpan(at, k);
                    _state.WeightGradient.Buffer[r * m + f] = TensorPrimitives.Dot(dv, e.Slice(at, k));
                    TensorPrimitives.Multiply(dv, a[r * m + f], _state.GradInput.Buffer.AsSpan(at, k));
                }
        }
    }
}
