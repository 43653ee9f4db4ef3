using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// FiBiNET's bilinear-interaction layer, "field-all" type (Huang et al. 2019, eq. 6; BARS's FiBiNET Frappe_x1
/// configuration): one shared <c>k × k</c> matrix W, and for every pair of the row's field vectors
/// <c>p_ij = (v_i W) ⊙ v_j</c> (i &lt; j, in <see cref="InnerProduct"/>'s order). Input <c>B × m·k</c>, output
/// <c>B × P·k</c>, P = m(m−1)/2.
/// </summary>
/// <remarks><c>v_i W</c> for every field of the batch is one GEMM (<c>(B·m) × k</c> times <c>k × k</c>); the pair
/// products and their gradients (<c>∂(v_iW) += ∂p_ij ⊙ v_j</c>, <c>∂v_j += ∂p_ij ⊙ v_iW</c>) are row loops of
/// TensorPrimitives calls, then <c>∂W = Vᵀ ∂(VW)</c> and <c>∂V += ∂(VW) Wᵀ</c>.</remarks>
public sealed class BilinearInteraction : Layer
{
    /// <summary>Creates the layer for m fields of size k: Glorot-uniform W.</summary>
    public BilinearInteraction(int fields, int dim, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fields, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        Fields = fields;
        Dim = dim;
        Weight = AddParameter("weight", dim, dim);
        float limit = MathF.Sqrt(6f / (2 * dim));
        for (int i = 0; i < Weight.Value.Length; i++) Weight.Value[i] = (2 * rng.NextFloat() - 1) * limit;
    }

    /// <summary>Fields m.</summary>
    public int Fields { get; }

    /// <summary>Embedding size k.</summary>
    public int Dim { get; }

    /// <summary>Pairs per row, m(m−1)/2.</summary>
    public int Pairs => Fields * (Fields - 1) / 2;

    /// <summary>Output width P·k.</summary>
    public int Outputs => Pairs * Dim;

    /// <summary>W, <c>k × k</c> (applied as <c>v W</c>).</summary>
    public Parameter Weight { get; }

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        int m = Fields, k = Dim;
        if (input.Cols != m * k) throw new ArgumentException($"BilinearInteraction expects {m}×{k} columns, got {input.Cols}.");
        var state = ws.State<State>(this);
        int b = input.Rows;
        state.Input = input;
        var mixed = state.Mixed.Reshape(b, m * k).Span;
        Gemm.Multiply(ws.Compute, false, false, b * m, k, k, input.Span, k, Weight.Value, k, mixed, k, accumulate: false);   // v_i W
        state.Output.Reshape(b, Outputs);
        Run(ws, state, forward: true, b);                                                                                  // p_ij = v_i W ⊙ v_j
        return state.Output;
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var input = state.Input ?? throw new InvalidOperationException("Backward before Forward.");
        int m = Fields, k = Dim, b = input.Rows;
        state.Grad = gradOutput.Buffer;
        var dMixed = state.MixedGradient.Reshape(b, m * k).Span;
        var dx = state.GradInput.Reshape(b, m * k).Span;
        Run(ws, state, forward: false, b);                                                                                 // ∂(v_iW), ∂v_j from the pairs
        Gemm.Multiply(ws.Compute, true, false, k, k, b * m, input.Span, k, dMixed, k, Weight.Grad, k, accumulate: true);      // ∂W = Vᵀ ∂(VW)
        Gemm.Multiply(ws.Compute, false, true, b * m, k, k, dMixed, k, Weight.Value, k, dx, k, accumulate: true);             // ∂V += ∂(VW) Wᵀ
        return state.GradInput;
    }

    private void Run(Workspace ws, State state, bool forward, int rows)
    {
        state.Job.Set(this, state, forward);
        ws.Compute.For(rows, Math.Max(1, Activation.ParallelMinElements / Outputs), state.Job);
    }

    /// <summary>ONNX: MatMul of <c>[N, m, k]</c> by W, Gather the left (mixed) and right sides of every pair, multiply,
    /// flatten to <c>[N, P·k]</c>.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        string prefix = Weight.Name.EndsWith(".weight", StringComparison.Ordinal) ? Weight.Name[..^".weight".Length] : "bilinear";
        var left = new long[Pairs];
        var right = new long[Pairs];
        int p = 0;
        for (int i = 0; i < Fields; i++)
            for (int j = i + 1; j < Fields; j++) { left[p] = i; right[p] = j; p++; }
        string fields = graph.SplitFields(input, Fields, Dim, prefix + ".fields");                                          // [N, m, k]
        string mixed = graph.Node("MatMul", [fields, graph.Parameter(Weight)], prefix + ".mixed");
        string products = graph.Mul(graph.Gather(mixed, left, 1, prefix + ".left"), graph.Gather(fields, right, 1, prefix + ".right"), prefix + ".products");
        return graph.Flatten(products, prefix);
    }

    /// <summary>What one workspace keeps: the input, <c>V W</c>, the output, and backward's buffers.</summary>
    private sealed class State
    {
        public Matrix? Input;
        public float[] Grad = [];
        public readonly Matrix Mixed = new(), Output = new(), MixedGradient = new(), GradInput = new();
        public readonly Job Job = new();
    }

    /// <summary>Rows [start, end) of the pair products (forward) or of their gradients (backward).</summary>
    private sealed class Job : RangeJob
    {
        private BilinearInteraction _layer = null!;
        private State _state = null!;
        private bool _forward;

        public void Set(BilinearInteraction layer, State state, bool forward) => (_layer, _state, _forward) = (layer, state, forward);

        public override void Run(int start, int end)
        {
            int m = _layer.Fields, k = _layer.Dim, width = _layer.Outputs;
            var v = _state.Input!.Span;
            var mixed = _state.Mixed.Buffer;
            for (int r = start; r < end; r++)
            {
                var row = v.Slice(r * m * k, m * k);
                var vw = mixed.AsSpan(r * m * k, m * k);
                if (_forward)
                {
                    var y = _state.Output.Buffer.AsSpan(r * width, width);
                    int p = 0;
                    for (int i = 0; i < m; i++)
                        for (int j = i + 1; j < m; j++, p++)
                            TensorPrimitives.Multiply(vw.Slice(i * k, k), row.Slice(j * k, k), y.Slice(p * k, k));
                    continue;
                }
                var g = _state.Grad.AsSpan(r * width, width);
                var dvw = _state.MixedGradient.Buffer.AsSpan(r * m * k, m * k);
                var dv = _state.GradInput.Buffer.AsSpan(r * m * k, m * k);
                dvw.Clear();
                dv.Clear();
                int q = 0;
                for (int i = 0; i < m; i++)
                {
                    var dvwi = dvw.Slice(i * k, k);
                    for (int j = i + 1; j < m; j++, q++)
                    {
                        var d = g.Slice(q * k, k);
                        TensorPrimitives.MultiplyAdd(d, row.Slice(j * k, k), dvwi, dvwi);
                        var dvj = dv.Slice(j * k, k);
                        TensorPrimitives.MultiplyAdd(d, vw.Slice(i * k, k), dvj, dvj);
                    }
                }
            }
        }
    }
}
