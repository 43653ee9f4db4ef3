using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// AutoInt's interacting layer (Song et al. 2019, eqs. 5–8; FuxiCTR's <c>MultiHeadSelfAttention</c>): the m field
/// vectors of a row (<c>B × m·d</c>, field-major) attend to each other in <see cref="Heads"/> heads,
/// <c>α_h = softmax(Q_h K_hᵀ)</c> row-wise with <c>Q = X W_Q</c>, <c>K = X W_K</c>, <c>V = X W_V</c>, and
/// <c>x'_i = ReLU(⊕_h Σ_j α_{h,ij} V_{h,j} + W_Res x_i)</c> (eq. 8, a plain residual when d equals the output width).
/// Output <c>B × m·D</c>, <c>D = H·d_h</c>. Unscaled scores, as the paper and FuxiCTR's default.
/// </summary>
/// <remarks>
/// The projections are GEMMs over all <c>B·m</c> field vectors at once; the per-row, per-head products
/// <c>Q_h K_hᵀ</c> and <c>α_h V_h</c> (<c>m × m</c>) are batched over rows on the worker pool, each a GEMM on strided
/// views of Q, K, V. Backward: <c>∂V_h = α_hᵀ ∂O_h</c>, <c>∂α_h = ∂O_h V_hᵀ</c>, the softmax's
/// <c>∂S = α ⊙ (∂α − rowsum(α ⊙ ∂α))</c>, <c>∂Q_h = ∂S K_h</c>, <c>∂K_h = ∂Sᵀ Q_h</c>, then the projections in reverse.
/// </remarks>
public sealed class MultiHeadSelfAttention : Layer
{
    /// <summary>Creates the layer for m fields of width d, H heads of width d_h: Glorot-uniform projections.</summary>
    public MultiHeadSelfAttention(int fields, int inputDim, int heads, int headDim, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fields);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(heads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        Fields = fields;
        InputDim = inputDim;
        Heads = heads;
        HeadDim = headDim;
        int d = inputDim, width = heads * headDim;
        Query = Projection("query", d, width, rng);
        Key = Projection("key", d, width, rng);
        Value = Projection("value", d, width, rng);
        if (d != width) Residual = Projection("residual", d, width, rng);
    }

    private Parameter Projection(string name, int inputs, int outputs, Rng rng)
    {
        var p = AddParameter(name + ".weight", inputs, outputs);
        float limit = MathF.Sqrt(6f / (inputs + outputs));
        for (int i = 0; i < p.Value.Length; i++) p.Value[i] = (2 * rng.NextFloat() - 1) * limit;
        return p;
    }

    /// <summary>Fields m.</summary>
    public int Fields { get; }

    /// <summary>Width d of each input field vector.</summary>
    public int InputDim { get; }

    /// <summary>Heads H.</summary>
    public int Heads { get; }

    /// <summary>Width d_h of one head.</summary>
    public int HeadDim { get; }

    /// <summary>Output width of each field, <c>D = H·d_h</c>.</summary>
    public int OutputDim => Heads * HeadDim;

    /// <summary>W_Q, <c>d × D</c>.</summary>
    public Parameter Query { get; }

    /// <summary>W_K, <c>d × D</c>.</summary>
    public Parameter Key { get; }

    /// <summary>W_V, <c>d × D</c>.</summary>
    public Parameter Value { get; }

    /// <summary>W_Res, <c>d × D</c>; null when d = D (identity residual).</summary>
    public Parameter? Residual { get; }

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        int m = Fields, d = InputDim, width = OutputDim;
        if (input.Cols != m * d) throw new ArgumentException($"MultiHeadSelfAttention expects {m}×{d} columns, got {input.Cols}.");
        var state = ws.State<State>(this);
        int b = input.Rows, n = b * m;
        state.Input = input;
        var x = input.Span;
        var q = state.Q.Reshape(n, width).Span;
        var k = state.K.Reshape(n, width).Span;
        var v = state.V.Reshape(n, width).Span;
        Gemm.Multiply(ws.Compute, false, false, n, width, d, x, d, Query.Value, width, q, width, accumulate: false);   // Q = X W_Q
        Gemm.Multiply(ws.Compute, false, false, n, width, d, x, d, Key.Value, width, k, width, accumulate: false);     // K = X W_K
        Gemm.Multiply(ws.Compute, false, false, n, width, d, x, d, Value.Value, width, v, width, accumulate: false);   // V = X W_V
        var output = state.Output.Reshape(b, m * width).Span;
        if (Residual is not null) Gemm.Multiply(ws.Compute, false, false, n, width, d, x, d, Residual.Value, width, output, width, accumulate: false);
        else x.CopyTo(output);                                                                                       // W_Res x_i
        state.Attention.Reshape(b, Heads * m * m);
        Run(ws, state, forward: true, b);                                                                            // += ⊕_h α_h V_h
        TensorPrimitives.Max(output, 0f, output);                                                                    // ReLU
        return state.Output;
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var input = state.Input ?? throw new InvalidOperationException("Backward before Forward.");
        int m = Fields, d = InputDim, width = OutputDim, b = input.Rows, n = b * m;
        var x = input.Span;
        var dPre = state.GradPre.Reshape(b, m * width).Span;
        Activation.ReluBackward(state.Output.Span, gradOutput.Span, dPre);
        var dx = state.GradInput.Reshape(b, m * d).Span;
        if (Residual is not null)
        {
            Gemm.Multiply(ws.Compute, true, false, d, width, n, x, d, dPre, width, Residual.Grad, width, accumulate: true);
            Gemm.Multiply(ws.Compute, false, true, n, d, width, dPre, width, Residual.Value, width, dx, d, accumulate: false);
        }
        else dPre.CopyTo(dx);
        state.GradQ.Reshape(n, width);
        state.GradK.Reshape(n, width);
        state.GradV.Reshape(n, width);
        state.ScoreGradient.Reshape(b, Heads * m * m);
        Run(ws, state, forward: false, b);                                                                           // ∂Q, ∂K, ∂V
        ProjectionBackward(ws, Query, state.GradQ, x, dx, n);
        ProjectionBackward(ws, Key, state.GradK, x, dx, n);
        ProjectionBackward(ws, Value, state.GradV, x, dx, n);
        return state.GradInput;
    }

    /// <summary>Through one projection <c>P = X W</c>: <c>∂W += Xᵀ ∂P</c>, <c>∂X += ∂P Wᵀ</c>.</summary>
    private void ProjectionBackward(Workspace ws, Parameter w, Matrix gradProjected, ReadOnlySpan<float> x, Span<float> dx, int n)
    {
        int d = InputDim, width = OutputDim;
        Gemm.Multiply(ws.Compute, true, false, d, width, n, x, d, gradProjected.Span, width, w.Grad, width, accumulate: true);
        Gemm.Multiply(ws.Compute, false, true, n, d, width, gradProjected.Span, width, w.Value, width, dx, d, accumulate: true);
    }

    private void Run(Workspace ws, State state, bool forward, int rows)
    {
        state.Job.Set(this, state, forward, forward ? null : state.GradPre.Buffer);
        ws.Compute.For(rows, Math.Max(1, Activation.ParallelMinElements / (Heads * Fields * Fields * HeadDim)), state.Job);
    }

    /// <summary>ONNX: projections as MatMul on <c>[N, m, d]</c>, heads as <c>[N, H, m, d_h]</c>, batched MatMul,
    /// Softmax on the last axis, back to <c>[N, m, D]</c>, plus the residual, ReLU, flattened to <c>[N, m·D]</c>.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        string prefix = Query.Name.EndsWith(".query.weight", StringComparison.Ordinal) ? Query.Name[..^".query.weight".Length] : "attention";
        int m = Fields, width = OutputDim;
        string x = graph.SplitFields(input, m, InputDim, prefix + ".fields");                                         // [N, m, d]
        string Heads4(Parameter w, string name, long[] perm)
        {
            string projected = graph.Node("MatMul", [x, graph.Parameter(w)], $"{prefix}.{name}");
            string split = graph.Node("Reshape", [projected, graph.Constant($"{prefix}.{name}_shape", [0, m, Heads, HeadDim])], $"{prefix}.{name}_heads");
            return graph.Node("Transpose", [split], $"{prefix}.{name}_t", OnnxAttribute.Ints("perm", perm));
        }
        string q = Heads4(Query, "query", [0, 2, 1, 3]);                                                             // [N, H, m, d_h]
        string kt = Heads4(Key, "key", [0, 2, 3, 1]);                                                                // [N, H, d_h, m]
        string v = Heads4(Value, "value", [0, 2, 1, 3]);
        string a = graph.Node("Softmax", [graph.Node("MatMul", [q, kt], prefix + ".scores")], prefix + ".alpha", OnnxAttribute.Int("axis", 3));
        string o = graph.Node("Transpose", [graph.Node("MatMul", [a, v], prefix + ".attended")], prefix + ".attended_t", OnnxAttribute.Ints("perm", 0, 2, 1, 3));
        string merged = graph.Node("Reshape", [o, graph.Constant(prefix + ".merged_shape", [0, m, width])], prefix + ".merged");   // [N, m, D]
        string residual = Residual is null ? x : graph.Node("MatMul", [x, graph.Parameter(Residual)], prefix + ".residual");
        string relu = graph.Node("Relu", [graph.Add(residual, merged, prefix + ".sum")], prefix + ".relu");
        return graph.Flatten(relu, prefix);
    }

    /// <summary>What one workspace keeps: the input, Q, K, V, the attention weights, the output, and backward's buffers.</summary>
    private sealed class State
    {
        public Matrix? Input;
        public readonly Matrix Q = new(), K = new(), V = new();
        public readonly Matrix Attention = new();
        public readonly Matrix Output = new();
        public readonly Matrix GradPre = new();
        public readonly Matrix GradQ = new(), GradK = new(), GradV = new();
        public readonly Matrix ScoreGradient = new();
        public readonly Matrix GradInput = new();
        public readonly Job Job = new();
    }

    /// <summary>Rows [start, end): every head's <c>m × m</c> products, each a serial GEMM on the row's strided block.</summary>
    private sealed class Job : RangeJob
    {
        private MultiHeadSelfAttention _layer = null!;
        private State _state = null!;
        private bool _forward;
        private float[]? _grad;

        public void Set(MultiHeadSelfAttention layer, State state, bool forward, float[]? grad) => (_layer, _state, _forward, _grad) = (layer, state, forward, grad);

        public override void Run(int start, int end)
        {
            var serial = ComputeContext.Serial;
            int m = _layer.Fields, heads = _layer.Heads, dh = _layer.HeadDim, width = _layer.OutputDim, mm = m * m;
            for (int r = start; r < end; r++)
            {
                int block = r * m * width;   // the row's m × D block of Q, K, V, O
                for (int h = 0; h < heads; h++)
                {
                    int at = block + h * dh;
                    var q = _state.Q.Buffer.AsSpan(at);
                    var k = _state.K.Buffer.AsSpan(at);
                    var v = _state.V.Buffer.AsSpan(at);
                    var alpha = _state.Attention.Buffer.AsSpan((r * heads + h) * mm, mm);
                    if (_forward)
                    {
                        Gemm.Multiply(serial, false, true, m, m, dh, q, width, k, width, alpha, m, accumulate: false);   // S = Q_h K_hᵀ
                        for (int i = 0; i < m; i++)
                        {
                            var s = alpha.Slice(i * m, m);
                            TensorPrimitives.Subtract(s, TensorPrimitives.Max(s), s);
                            TensorPrimitives.Exp(s, s);
                            TensorPrimitives.Divide(s, TensorPrimitives.Sum(s), s);
                        }
                        Gemm.Multiply(serial, false, false, m, dh, m, alpha, m, v, width, _state.Output.Buffer.AsSpan(at), width, accumulate: true);   // += α_h V_h
                        continue;
                    }
                    var dO = _grad.AsSpan(at);
                    var dS = _state.ScoreGradient.Buffer.AsSpan((r * heads + h) * mm, mm);
                    Gemm.Multiply(serial, false, true, m, m, dh, dO, width, v, width, dS, m, accumulate: false);         // ∂α = ∂O_h V_hᵀ
                    Gemm.Multiply(serial, true, false, m, dh, m, alpha, m, dO, width, _state.GradV.Buffer.AsSpan(at), width, accumulate: false);   // ∂V_h = α_hᵀ ∂O_h
                    for (int i = 0; i < m; i++)
                    {
                        var a = alpha.Slice(i * m, m);
                        var g = dS.Slice(i * m, m);
                        TensorPrimitives.Subtract(g, TensorPrimitives.Dot(a, g), g);
                        TensorPrimitives.Multiply(g, a, g);                                                               // ∂S = α ⊙ (∂α − Σ α ∂α)
                    }
                    Gemm.Multiply(serial, false, false, m, dh, m, dS, m, k, width, _state.GradQ.Buffer.AsSpan(at), width, accumulate: false);   // ∂Q_h = ∂S K_h
                    Gemm.Multiply(serial, true, false, m, dh, m, dS, m, q, width, _state.GradK.Buffer.AsSpan(at), width, accumulate: false);    // ∂K_h = ∂Sᵀ Q_h
                }
            }
        }
    }
}
