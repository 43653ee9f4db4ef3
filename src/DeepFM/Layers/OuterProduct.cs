using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// OPNN's outer-product signal with PNN's approximation (Qu et al. 2016; the paper's Section 2.2: "compressing m
/// k-dimensional feature vectors to one k-dimensional vector"): sum the field embeddings, <c>f_Σ = Σ_i e_i</c>, and take
/// <c>p = f_Σ f_Σᵀ</c> (k × k). The matrix is symmetric, so only its upper triangle including the diagonal is emitted,
/// <c>p_{ab} = f_a f_b</c> for <c>a ≤ b</c> in row-major order: k(k+1)/2 values, which a following linear layer uses
/// exactly as it would the full k² (the lower triangle would only duplicate columns).
/// Input <c>B × m·k</c>, output <c>B × k(k+1)/2</c>. Gradient: <c>∂L/∂f_a = Σ_{b} (∂L/∂p_{ab}) f_b</c> over the
/// pairs containing a (the diagonal counts twice, as <c>∂f_a²/∂f_a = 2f_a</c>), and <c>∂L/∂e_i = ∂L/∂f_Σ</c> for every i.
/// </summary>
public sealed class OuterProduct : Layer
{
    /// <summary>Creates the layer for m fields of embedding size k.</summary>
    public OuterProduct(int fields, int dim)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fields);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        Fields = fields;
        Dim = dim;
    }

    /// <summary>Number of fields m.</summary>
    public int Fields { get; }

    /// <summary>Embedding size k.</summary>
    public int Dim { get; }

    /// <summary>Output width k(k+1)/2.</summary>
    public int Outputs => Dim * (Dim + 1) / 2;

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        var state = ws.State<State>(this);
        int b = input.Rows, m = Fields, k = Dim, n = Outputs;
        if (input.Cols != m * k) throw new ArgumentException($"OuterProduct expects {m * k} inputs, got {input.Cols}.");
        state.Input = input;
        state.Output.Reshape(b, n);
        state.Sums.Reshape(b, k);
        var e = input.Span;
        var sums = state.Sums.Span;
        var y = state.Output.Span;
        for (int r = 0; r < b; r++)
        {
            var row = e.Slice(r * m * k, m * k);
            var f = sums.Slice(r * k, k);
            row[..k].CopyTo(f);
            for (int i = 1; i < m; i++) TensorPrimitives.Add(f, row.Slice(i * k, k), f);
            var yr = y.Slice(r * n, n);
            int p = 0;
            for (int a = 0; a < k; a++)
            {
                // Row a of the upper triangle is f_a · f[a..k).
                TensorPrimitives.Multiply(f[a..], f[a], yr.Slice(p, k - a));
                p += k - a;
            }
        }
        return state.Output;
    }

    /// <summary>What one workspace keeps: the input, the field sums <c>f_Σ</c> (backward needs them) and the outputs.</summary>
    private sealed class State
    {
        public readonly Matrix Output = new();
        public readonly Matrix GradInput = new();
        public readonly Matrix Sums = new();
        public readonly Matrix GradSums = new();
        public Matrix? Input;
    }

    /// <summary><c>f_Σ</c> by a sum over fields, the full <c>f_Σ f_Σᵀ</c> by broadcasting <c>[N, k, 1]·[N, 1, k]</c>, then
    /// the upper triangle (row-major, as <see cref="Forward"/>) by one Gather of flat indices <c>a·k + b</c>, <c>a ≤ b</c>.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        int k = Dim;
        var upper = new long[Outputs];
        int p = 0;
        for (int a = 0; a < k; a++)
            for (int b = a; b < k; b++) upper[p++] = (long)a * k + b;
        string fields = graph.SplitFields(input, Fields, k, "outer.fields");                     // [N, m, k]
        string f = graph.ReduceSum(fields, [1], keepDims: false, "outer.sum");                   // f_Σ: [N, k]
        string column = graph.Node("Unsqueeze", [f, graph.Constant("outer.axes_2", [2])], "outer.column"); // [N, k, 1]
        string row = graph.Node("Unsqueeze", [f, graph.Constant("outer.axes_1", [1])], "outer.row");       // [N, 1, k]
        string full = graph.Flatten(graph.Mul(column, row, "outer.matrix"), "outer.flat");       // [N, k·k]
        return graph.Gather(full, upper, axis: 1, "outer");                                      // [N, k(k+1)/2]
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var input = state.Input ?? throw new InvalidOperationException("Backward before Forward.");
        int b = input.Rows, m = Fields, k = Dim, n = Outputs;
        state.GradInput.Reshape(b, m * k);
        state.GradSums.ReshapeZeroed(b, k);
        var sums = state.Sums.Span;
        var df = state.GradSums.Span;
        var dx = state.GradInput.Span;
        var g = gradOutput.Span;
        for (int r = 0; r < b; r++)
        {
            var f = sums.Slice(r * k, k);
            var dfr = df.Slice(r * k, k);
            var gr = g.Slice(r * n, n);
            int p = 0;
            for (int a = 0; a < k; a++)
            {
                var ga = gr.Slice(p, k - a);
                // p_ab = f_a f_b (b ≥ a): dL/df_a += Σ_b g_ab f_b and dL/df_b += g_ab f_a.
                dfr[a] += TensorPrimitives.Dot(ga, f[a..]);
                TensorPrimitives.MultiplyAdd(ga, f[a], dfr[a..], dfr[a..]);
                p += k - a;
            }
            // f_Σ is a plain sum, so every field receives the same gradient.
            for (int i = 0; i < m; i++) dfr.CopyTo(dx.Slice((r * m + i) * k, k));
        }
        return state.GradInput;
    }
}
