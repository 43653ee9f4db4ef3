using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// AFM's pair-wise interaction and attention-based pooling layers with its projection (Xiao et al. 2017, eqs. 3–5):
/// for the m field embeddings of a row (<c>[e_1, …, e_m]</c>, <c>B × m·k</c>, already scaled by their values), every
/// pair <c>q_ij = e_i ⊙ e_j</c> (i &lt; j, in <see cref="InnerProduct"/>'s order), the attention
/// <c>a_ij = softmax_ij(hᵀ ReLU(W q_ij + b))</c> over the row's P = m(m−1)/2 pairs, and the output
/// <c>f_Att = pᵀ Σ_{i&lt;j} a_ij q_ij</c>, <c>B × 1</c>.
/// </summary>
/// <remarks>
/// All pairs of the batch are one <c>(B·P) × k</c> matrix Q, so the attention network is two GEMMs over it
/// (<c>Q·W + b</c>, then the scores <c>ReLU(·)·h</c>), and <c>pᵀ q_ij</c> is one more; only the pair products, the
/// per-row softmax and the scatter of pair gradients back to the fields are row loops, of TensorPrimitives calls.
/// Backward, with <c>c_ij = pᵀ q_ij</c>: <c>∂L/∂s_ij = g·a_ij(c_ij − f_Att)</c> (softmax), then the GEMMs in reverse.
/// </remarks>
public sealed class AttentionPooling : Layer
{
    /// <summary>Creates the layer for m fields of size k with attention factor t: Glorot-uniform W, h and p, zero b.</summary>
    public AttentionPooling(int fields, int dim, int attentionDim, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fields, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(attentionDim);
        Fields = fields;
        Dim = dim;
        AttentionDim = attentionDim;
        Weight = AddParameter("weight", dim, attentionDim);
        Bias = AddParameter("bias", 1, attentionDim);
        H = AddParameter("h", attentionDim, 1);
        P = AddParameter("p", dim, 1);
        Glorot(Weight, dim, attentionDim, rng);
        Glorot(H, attentionDim, 1, rng);
        Glorot(P, dim, 1, rng);
    }

    private static void Glorot(Parameter p, int inputs, int outputs, Rng rng)
    {
        float limit = MathF.Sqrt(6f / (inputs + outputs));
        var w = p.Value;
        for (int i = 0; i < w.Length; i++) w[i] = (2 * rng.NextFloat() - 1) * limit;
    }

    /// <summary>Fields m.</summary>
    public int Fields { get; }

    /// <summary>Embedding size k.</summary>
    public int Dim { get; }

    /// <summary>Attention factor t (hidden width of the attention network).</summary>
    public int AttentionDim { get; }

    /// <summary>Pairs per row, m(m−1)/2.</summary>
    public int Pairs => Fields * (Fields - 1) / 2;

    /// <summary>W, <c>k × t</c>.</summary>
    public Parameter Weight { get; }

    /// <summary>b, <c>1 × t</c>.</summary>
    public Parameter Bias { get; }

    /// <summary>h, <c>t × 1</c>.</summary>
    public Parameter H { get; }

    /// <summary>p, <c>k × 1</c>.</summary>
    public Parameter P { get; }

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        int m = Fields, k = Dim, t = AttentionDim, pairs = Pairs;
        if (input.Cols != m * k) throw new ArgumentException($"AttentionPooling expects {m}×{k} columns, got {input.Cols}.");
        var state = ws.State<State>(this);
        int b = input.Rows, n = b * pairs;
        state.Input = input;
        var q = state.Pairs.Reshape(n, k);
        var hidden = state.Hidden.Reshape(n, t);
        state.Scores.Reshape(b, pairs);
        state.Projected.Reshape(b, pairs);
        state.Output.Reshape(b, 1);
        var ones = state.Ones(n);
        Run(ws, state, Phase.Pairs, b, null);                                                                        // q_ij = e_i ⊙ e_j
        Gemm.Multiply(ws.Compute, false, false, n, t, 1, ones, 1, Bias.Value, t, hidden.Span, t, accumulate: false);  // b
        Gemm.Multiply(ws.Compute, false, false, n, t, k, q.Span, k, Weight.Value, t, hidden.Span, t, accumulate: true); // W q_ij + b
        TensorPrimitives.Max(hidden.Span, 0f, hidden.Span);                                                         // ReLU
        Gemm.Multiply(ws.Compute, false, false, n, 1, t, hidden.Span, t, H.Value, 1, state.Scores.Span, 1, accumulate: false);   // s_ij = hᵀ ReLU(…)
        Gemm.Multiply(ws.Compute, false, false, n, 1, k, q.Span, k, P.Value, 1, state.Projected.Span, 1, accumulate: false);     // c_ij = pᵀ q_ij
        Run(ws, state, Phase.Attend, b, null);                                                                       // a = softmax(s); f = Σ a_ij c_ij
        return state.Output;
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var input = state.Input ?? throw new InvalidOperationException("Backward before Forward.");
        int k = Dim, t = AttentionDim, b = input.Rows, n = b * Pairs;
        var q = state.Pairs.Span;
        var hidden = state.Hidden.Span;
        var weighted = state.Weighted.Reshape(b, Pairs).Span;   // g·a_ij
        var dScores = state.ScoreGradient.Reshape(b, Pairs).Span;
        var dHidden = state.HiddenGradient.Reshape(n, t).Span;
        var dq = state.PairGradient.Reshape(n, k).Span;
        Run(ws, state, Phase.Softmax, b, gradOutput.Buffer);                                                   // g·a_ij, ∂L/∂s_ij
        Gemm.Multiply(ws.Compute, true, false, k, 1, n, q, k, weighted, 1, P.Grad, 1, accumulate: true);          // ∂p = Σ g a_ij q_ij
        Gemm.Multiply(ws.Compute, true, false, t, 1, n, hidden, t, dScores, 1, H.Grad, 1, accumulate: true);      // ∂h = Σ ∂s_ij ReLU(…)
        Gemm.Multiply(ws.Compute, false, false, n, t, 1, dScores, 1, H.Value, t, dHidden, t, accumulate: false);  // ∂s_ij hᵀ
        Activation.ReluBackward(hidden, dHidden, dHidden);
        Gemm.Multiply(ws.Compute, true, false, k, t, n, q, k, dHidden, t, Weight.Grad, t, accumulate: true);      // ∂W = Σ q_ij ∂z_ijᵀ
        Gemm.Multiply(ws.Compute, true, false, 1, t, n, state.Ones(n), 1, dHidden, t, Bias.Grad, t, accumulate: true);
        Gemm.Multiply(ws.Compute, false, false, n, k, 1, weighted, 1, P.Value, k, dq, k, accumulate: false);      // ∂q_ij = g a_ij p
        Gemm.Multiply(ws.Compute, false, true, n, k, t, dHidden, t, Weight.Value, t, dq, k, accumulate: true);    //        + Wᵀ ∂z_ij
        state.GradInput.Reshape(b, Fields * k);
        Run(ws, state, Phase.Scatter, b, null);                                                                // ∂e_i += ∂q_ij ⊙ e_j
        return state.GradInput;
    }

    private void Run(Workspace ws, State state, Phase phase, int rows, float[]? grad)
    {
        state.Job.Set(this, state, phase, grad);
        ws.Compute.For(rows, Math.Max(1, Activation.ParallelMinElements / (Pairs * Dim)), state.Job);
    }

    /// <summary>ONNX: gather both sides of every pair (<c>[N, P, k]</c>), multiply, run the attention network on the
    /// last axis, softmax over the pairs (axis 1), pool and project.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        string prefix = Weight.Name.EndsWith(".weight", StringComparison.Ordinal) ? Weight.Name[..^".weight".Length] : "afm";
        var left = new long[Pairs];
        var right = new long[Pairs];
        int p = 0;
        for (int i = 0; i < Fields; i++)
            for (int j = i + 1; j < Fields; j++) { left[p] = i; right[p] = j; p++; }
        string fields = graph.SplitFields(input, Fields, Dim, prefix + ".fields");                                    // [N, m, k]
        string q = graph.Mul(graph.Gather(fields, left, 1, prefix + ".left"), graph.Gather(fields, right, 1, prefix + ".right"), prefix + ".pairs"); // [N, P, k]
        string z = graph.Add(graph.Node("MatMul", [q, graph.Parameter(Weight)], prefix + ".matmul"), graph.Parameter(Bias, AttentionDim), prefix + ".hidden");
        string s = graph.Node("MatMul", [graph.Node("Relu", [z], prefix + ".relu"), graph.Parameter(H)], prefix + ".scores");  // [N, P, 1]
        string a = graph.Node("Softmax", [s], prefix + ".attention", OnnxAttribute.Int("axis", 1));
        string pooled = graph.ReduceSum(graph.Mul(a, q, prefix + ".weighted"), [1], keepDims: false, prefix + ".pooled");  // [N, k]
        return graph.Node("MatMul", [pooled, graph.Parameter(P)], prefix);                                             // [N, 1]
    }

    private enum Phase { Pairs, Attend, Softmax, Scatter }

    /// <summary>What one workspace keeps: the input, the pairs Q, the attention network's ReLU output, the scores
    /// (softmaxed in place into a), <c>pᵀ q_ij</c>, and backward's buffers.</summary>
    private sealed class State
    {
        public Matrix? Input;
        public readonly Matrix Pairs = new();
        public readonly Matrix Hidden = new();
        public readonly Matrix Scores = new();
        public readonly Matrix Projected = new();
        public readonly Matrix Output = new();
        public readonly Matrix Weighted = new();
        public readonly Matrix ScoreGradient = new();
        public readonly Matrix HiddenGradient = new();
        public readonly Matrix PairGradient = new();
        public readonly Matrix GradInput = new();
        public readonly Job Job = new();
        private float[] _ones = [];

        /// <summary>n ones (a column that broadcasts b and sums ∂b through the GEMM).</summary>
        public ReadOnlySpan<float> Ones(int n)
        {
            if (_ones.Length < n) { _ones = new float[n]; _ones.AsSpan().Fill(1f); }
            return _ones.AsSpan(0, n);
        }
    }

    /// <summary>Rows [start, end) of one phase.</summary>
    private sealed class Job : RangeJob
    {
        private AttentionPooling _layer = null!;
        private State _state = null!;
        private Phase _phase;
        private float[]? _grad;

        public void Set(AttentionPooling layer, State state, Phase phase, float[]? grad) => (_layer, _state, _phase, _grad) = (layer, state, phase, grad);

        public override void Run(int start, int end)
        {
            int m = _layer.Fields, k = _layer.Dim, pairs = _layer.Pairs;
            var x = _state.Input!.Span;
            for (int r = start; r < end; r++)
            {
                var row = x.Slice(r * m * k, m * k);
                switch (_phase)
                {
                    case Phase.Pairs:
                    {
                        var q = _state.Pairs.Buffer.AsSpan(r * pairs * k, pairs * k);
                        int p = 0;
                        for (int i = 0; i < m; i++)
                            for (int j = i + 1; j < m; j++, p++)
                                TensorPrimitives.Multiply(row.Slice(i * k, k), row.Slice(j * k, k), q.Slice(p * k, k));
                        break;
                    }
                    case Phase.Attend:
                    {
                        var a = _state.Scores.Buffer.AsSpan(r * pairs, pairs);
                        TensorPrimitives.Subtract(a, TensorPrimitives.Max(a), a);   // stable: exp(s − max s)
                        TensorPrimitives.Exp(a, a);
                        TensorPrimitives.Divide(a, TensorPrimitives.Sum(a), a);
                        _state.Output.Buffer[r] = TensorPrimitives.Dot(a, _state.Projected.Buffer.AsSpan(r * pairs, pairs));
                        break;
                    }
                    case Phase.Softmax:
                    {
                        float g = _grad![r], f = _state.Output.Buffer[r];
                        var a = _state.Scores.Buffer.AsSpan(r * pairs, pairs);
                        var w = _state.Weighted.Buffer.AsSpan(r * pairs, pairs);
                        var ds = _state.ScoreGradient.Buffer.AsSpan(r * pairs, pairs);
                        TensorPrimitives.Multiply(a, g, w);                                                    // g·a_ij
                        TensorPrimitives.Subtract(_state.Projected.Buffer.AsSpan(r * pairs, pairs), f, ds);   // c_ij − f
                        TensorPrimitives.Multiply(ds, w, ds);                                                  // g a_ij (c_ij − f)
                        break;
                    }
                    case Phase.Scatter:
                    {
                        var dq = _state.PairGradient.Buffer.AsSpan(r * pairs * k, pairs * k);
                        var dx = _state.GradInput.Buffer.AsSpan(r * m * k, m * k);
                        dx.Clear();
                        int p = 0;
                        for (int i = 0; i < m; i++)
                        {
                            var dei = dx.Slice(i * k, k);
                            for (int j = i + 1; j < m; j++, p++)
                            {
                                var d = dq.Slice(p * k, k);
                                TensorPrimitives.MultiplyAdd(d, row.Slice(j * k, k), dei, dei);
                                var dej = dx.Slice(j * k, k);
                                TensorPrimitives.MultiplyAdd(d, row.Slice(i * k, k), dej, dej);
                            }
                        }
                        break;
                    }
                }
            }
        }
    }
}
