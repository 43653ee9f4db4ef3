using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// IPNN's inner-product signal (Qu et al. 2016): for the m field embeddings of a row, every pairwise inner product
/// <c>p_{ij} = ⟨e_i, e_j⟩</c>, <c>i &lt; j</c>, in the order (0,1), (0,2), …, (0,m−1), (1,2), …, (m−2,m−1).
/// Input <c>B × m·k</c>, output <c>B × m(m−1)/2</c>. Gradient: <c>∂L/∂e_i = Σ_{j≠i} (∂L/∂p_{ij}) · e_j</c>.
/// All pairs are kept: the exact product, not PNN's neuron-eliminating approximation.
/// </summary>
public sealed class InnerProduct : Layer
{
    /// <summary>Creates the layer for m fields of embedding size k.</summary>
    public InnerProduct(int fields, int dim)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fields, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        Fields = fields;
        Dim = dim;
    }

    /// <summary>Number of fields m.</summary>
    public int Fields { get; }

    /// <summary>Embedding size k.</summary>
    public int Dim { get; }

    /// <summary>Output width m(m−1)/2.</summary>
    public int Outputs => Fields * (Fields - 1) / 2;

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        var state = ws.State<State>(this);
        int b = input.Rows, m = Fields, k = Dim, n = Outputs;
        if (input.Cols != m * k) throw new ArgumentException($"InnerProduct expects {m * k} inputs, got {input.Cols}.");
        state.Input = input;
        state.Output.Reshape(b, n);
        var e = input.Span;
        var y = state.Output.Span;
        for (int r = 0; r < b; r++)
        {
            var row = e.Slice(r * m * k, m * k);
            int p = r * n;
            for (int i = 0; i < m; i++)
            {
                var ei = row.Slice(i * k, k);
                for (int j = i + 1; j < m; j++) y[p++] = TensorPrimitives.Dot(ei, row.Slice(j * k, k));
            }
        }
        return state.Output;
    }

    /// <summary>What one workspace keeps: the input (backward multiplies by it) and the outputs.</summary>
    private sealed class State
    {
        public readonly Matrix Output = new();
        public readonly Matrix GradInput = new();
        public Matrix? Input;
    }

    /// <summary>Every pair at once: gather the left fields i and the right fields j of all pairs (in
    /// <see cref="Forward"/>'s order), multiply, and sum over the embedding axis; <c>[N, m·k] → [N, m(m−1)/2]</c>.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        var left = new long[Outputs];
        var right = new long[Outputs];
        int p = 0;
        for (int i = 0; i < Fields; i++)
            for (int j = i + 1; j < Fields; j++) { left[p] = i; right[p] = j; p++; }
        string fields = graph.SplitFields(input, Fields, Dim, "inner.fields");                   // [N, m, k]
        string a = graph.Gather(fields, left, axis: 1, "inner.left");                            // [N, P, k]
        string b = graph.Gather(fields, right, axis: 1, "inner.right");
        return graph.ReduceSum(graph.Mul(a, b, "inner.products"), [2], keepDims: false, "inner"); // [N, P]
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var input = state.Input ?? throw new InvalidOperationException("Backward before Forward.");
        int b = input.Rows, m = Fields, k = Dim, n = Outputs;
        state.GradInput.ReshapeZeroed(b, m * k);
        var e = input.Span;
        var dx = state.GradInput.Span;
        var g = gradOutput.Span;
        for (int r = 0; r < b; r++)
        {
            var row = e.Slice(r * m * k, m * k);
            var drow = dx.Slice(r * m * k, m * k);
            int p = r * n;
            for (int i = 0; i < m; i++)
            {
                var ei = row.Slice(i * k, k);
                var dei = drow.Slice(i * k, k);
                for (int j = i + 1; j < m; j++)
                {
                    float gp = g[p++];
                    // p_ij is bilinear: each side's gradient is the other side scaled by dL/dp_ij.
                    TensorPrimitives.MultiplyAdd(row.Slice(j * k, k), gp, dei, dei);
                    TensorPrimitives.MultiplyAdd(ei, gp, drow.Slice(j * k, k), drow.Slice(j * k, k));
                }
            }
        }
        return state.GradInput;
    }
}
