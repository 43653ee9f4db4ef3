using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// The order-2 part of the FM component (eq. 2): <c>Σ_{i&lt;j} ⟨e_i, e_j⟩</c> over the m field embeddings of a row,
/// computed in O(m·k) by Rendle's identity <c>½ Σ_d [(Σ_i e_id)² − Σ_i e_id²]</c>. Input <c>B × m·k</c>, output <c>B × 1</c>.
/// Its gradient is <c>∂y/∂e_id = S_d − e_id</c> with <c>S_d = Σ_i e_id</c>.
/// </summary>
public sealed class FactorizationMachine : Layer
{
    private readonly Matrix _output = new();
    private readonly Matrix _gradInput = new();
    private readonly Matrix _sums = new();
    private Matrix? _input;

    /// <summary>Creates the layer for m fields of embedding size k.</summary>
    public FactorizationMachine(int fields, int dim)
    {
        Fields = fields;
        Dim = dim;
    }

    /// <summary>Number of fields m.</summary>
    public int Fields { get; }

    /// <summary>Embedding size k.</summary>
    public int Dim { get; }

    /// <inheritdoc />
    public override Matrix Forward(Matrix input)
    {
        int b = input.Rows, m = Fields, k = Dim;
        _input = input;
        _output.Reshape(b, 1);
        _sums.Reshape(b, k);
        var e = input.Span;
        var sums = _sums.Span;
        var y = _output.Span;
        for (int r = 0; r < b; r++)
        {
            var row = e.Slice(r * m * k, m * k);
            var s = sums.Slice(r * k, k);
            row[..k].CopyTo(s);
            float sq = System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row[..k]);
            for (int f = 1; f < m; f++)
            {
                var ef = row.Slice(f * k, k);
                System.Numerics.Tensors.TensorPrimitives.Add(s, ef, s);
                sq += System.Numerics.Tensors.TensorPrimitives.SumOfSquares(ef);
            }
            y[r] = 0.5f * (System.Numerics.Tensors.TensorPrimitives.SumOfSquares(s) - sq);
        }
        return _output;
    }

    /// <summary>Rendle's identity as ops: <c>½[Σ_d (Σ_i e_id)² − Σ_{i,d} e_id²]</c>, from <c>[N, m·k]</c> to <c>[N, 1]</c>.</summary>
    public override string ToOnnx(Export.OnnxGraph graph, string input)
    {
        string fields = graph.SplitFields(input, Fields, Dim, "fm.fields");                       // [N, m, k]
        string sums = graph.ReduceSum(fields, [1], keepDims: false, "fm.sum");                    // S_d: [N, k]
        string sumSquared = graph.ReduceSum(graph.Mul(sums, sums, "fm.sum_sq"), [1], keepDims: true, "fm.square_of_sum");
        string squares = graph.ReduceSum(graph.Mul(input, input, "fm.sq"), [1], keepDims: true, "fm.sum_of_squares");
        string difference = graph.Node("Sub", [sumSquared, squares], "fm.difference");          // [N, 1]
        return graph.Mul(difference, graph.Constant("fm.half", [0.5f], [1]), "fm");
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput)
    {
        var input = _input ?? throw new InvalidOperationException("Backward before Forward.");
        int b = input.Rows, m = Fields, k = Dim;
        _gradInput.Reshape(b, m * k);
        var e = input.Span;
        var dx = _gradInput.Span;
        var sums = _sums.Span;
        var g = gradOutput.Span;
        for (int r = 0; r < b; r++)
        {
            float gr = g[r];
            var s = sums.Slice(r * k, k);
            for (int f = 0; f < m; f++)
            {
                int o = (r * m + f) * k;
                // dx = g · (S − e)
                System.Numerics.Tensors.TensorPrimitives.Subtract(s, e.Slice(o, k), dx.Slice(o, k));
                System.Numerics.Tensors.TensorPrimitives.Multiply(dx.Slice(o, k), gr, dx.Slice(o, k));
            }
        }
        return _gradInput;
    }
}
