using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// NFM's Bi-Interaction pooling (He &amp; Chua 2017, eq. 4): the <c>m</c> field embeddings of a row
/// (<c>[e_1, …, e_m]</c>, <c>B × m·k</c>, already scaled by their values) become one <c>k</c>-vector
/// <c>f_BI = Σ_{i&lt;j} e_i ⊙ e_j = ½[(Σ_i e_i)² − Σ_i e_i²]</c> (element-wise), computed in O(m·k). Rows are split
/// across threads; each row's sums run over its fields in order.
/// </summary>
public sealed class BiInteraction(int fields, int dim) : Layer
{
    /// <summary>Fields m.</summary>
    public int Fields { get; } = fields;

    /// <summary>Embedding size k.</summary>
    public int Dim { get; } = dim;

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        if (input.Cols != Fields * Dim) throw new ArgumentException($"BiInteraction expects {Fields}×{Dim} columns, got {input.Cols}.");
        var state = ws.State<State>(this);
        int b = input.Rows, k = Dim;
        state.Input = input;
        state.Sums.Reshape(b, k);
        state.Output.Reshape(b, k);
        state.Job.Set(this, state, forward: true, null);
        ws.Compute.For(b, Math.Max(1, Activation.ParallelMinElements / (Fields * k)), state.Job);
        return state.Output;
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var input = state.Input ?? throw new InvalidOperationException("Backward before Forward.");
        state.GradInput.Reshape(input.Rows, Fields * Dim);
        state.Job.Set(this, state, forward: false, gradOutput.Buffer);
        ws.Compute.For(input.Rows, Math.Max(1, Activation.ParallelMinElements / (Fields * Dim)), state.Job);
        return state.GradInput;
    }

    /// <summary><c>½[(Σ_i e_i)² − Σ_i e_i²]</c> as ops, from <c>[N, m·k]</c> to <c>[N, k]</c>.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        string fields = graph.SplitFields(input, Fields, Dim, "bi.fields");                       // [N, m, k]
        string sums = graph.ReduceSum(fields, [1], keepDims: false, "bi.sum");                    // [N, k]
        string squareOfSum = graph.Mul(sums, sums, "bi.square_of_sum");
        string sumOfSquares = graph.ReduceSum(graph.Mul(fields, fields, "bi.sq"), [1], keepDims: false, "bi.sum_of_squares");
        string difference = graph.Node("Sub", [squareOfSum, sumOfSquares], "bi.difference");
        return graph.Mul(difference, graph.Constant("bi.half", [0.5f], [1]), "bi");
    }

    /// <summary>What one workspace keeps: the input, the per-row field sums S (backward needs them) and the buffers.</summary>
    private sealed class State
    {
        public Matrix? Input;
        public readonly Matrix Sums = new();
        public readonly Matrix Output = new();
        public readonly Matrix GradInput = new();
        public readonly Job Job = new();
    }

    /// <summary>Rows [start, end): forward f = ½(S² − Σe²); backward dL/de_i = g ⊙ (S − e_i).</summary>
    private sealed class Job : RangeJob
    {
        private BiInteraction _layer = null!;
        private State _state = null!;
        private bool _forward;
        private float[]? _grad;

        public void Set(BiInteraction layer, State state, bool forward, float[]? grad) => (_layer, _state, _forward, _grad) = (layer, state, forward, grad);

        public override void Run(int start, int end)
        {
            int m = _layer.Fields, k = _layer.Dim;
            var x = _state.Input!.Span;
            var sums = _state.Sums.Buffer;
            Span<float> squares = k <= 256 ? stackalloc float[k] : new float[k];
            for (int r = start; r < end; r++)
            {
                var row = x.Slice(r * m * k, m * k);
                var s = sums.AsSpan(r * k, k);
                if (_forward)
                {
                    s.Clear();
                    squares.Clear();
                    for (int f = 0; f < m; f++)
                    {
                        var e = row.Slice(f * k, k);
                        TensorPrimitives.Add(s, e, s);
                        TensorPrimitives.MultiplyAdd(e, e, squares, squares);
                    }
                    var y = _state.Output.Buffer.AsSpan(r * k, k);
                    TensorPrimitives.Multiply(s, s, y);
                    TensorPrimitives.Subtract(y, squares, y);
                    TensorPrimitives.Multiply(y, 0.5f, y);
                }
                else
                {
                    var g = _grad.AsSpan(r * k, k);
                    var dx = _state.GradInput.Buffer.AsSpan(r * m * k, m * k);
                    for (int f = 0; f < m; f++)
                    {
                        var d = dx.Slice(f * k, k);
                        TensorPrimitives.Subtract(s, row.Slice(f * k, k), d);
                        TensorPrimitives.Multiply(d, g, d);
                    }
                }
            }
        }
    }
}
