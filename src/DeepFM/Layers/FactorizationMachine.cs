using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// The order-2 part of the FM component (eq. 2): <c>Σ_{i&lt;j} ⟨e_i, e_j⟩</c> over the m field embeddings of a row,
/// computed in O(m·k) by Rendle's identity <c>½ Σ_d [(Σ_i e_id)² − Σ_i e_id²]</c>. Input <c>B × m·k</c>, output <c>B × 1</c>.
/// Its gradient is <c>∂y/∂e_id = S_d − e_id</c> with <c>S_d = Σ_i e_id</c>.
/// </summary>
public sealed class FactorizationMachine : Layer
{
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
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        var state = ws.State<State>(this);
        int b = input.Rows;
        state.Input = input;
        state.Output.Reshape(b, 1);
        state.Sums.Reshape(b, Dim);
        state.Job.Set(this, state, forward: true, null);
        ws.Compute.For(b, RowsPerPart, state.Job);
        return state.Output;
    }

    /// <summary>Rows per thread part: below ~2 parts of this the pass stays on the calling thread.</summary>
    private const int RowsPerPart = 256;

    /// <summary>What one workspace keeps: the input, the per-row sums <c>S</c> (backward reuses them) and the outputs.</summary>
    private sealed class State
    {
        public Matrix? Input;
        public readonly Matrix Output = new();
        public readonly Matrix GradInput = new();
        public readonly Matrix Sums = new();
        public readonly RowJob Job = new();
    }

    /// <summary>Forward (<c>S</c> and <c>y</c>) or backward (<c>dx</c>) over rows <c>[start, end)</c>; rows are
    /// independent, so any split gives the same bits. The k-wide loops are written out (no calls per field) because at
    /// k ≈ 10 the call overhead of a span helper costs more than the arithmetic.</summary>
    private sealed class RowJob : RangeJob
    {
        private FactorizationMachine _layer = null!;
        private State _state = null!;
        private bool _forward;
        private float[] _grad = [];

        public void Set(FactorizationMachine layer, State state, bool forward, float[]? grad) =>
            (_layer, _state, _forward, _grad) = (layer, state, forward, grad ?? []);

        public override void Run(int start, int end)
        {
            int m = _layer.Fields, k = _layer.Dim, width = m * k;
            var e = _state.Input!.Buffer;
            var sums = _state.Sums.Buffer;
            for (int r = start; r < end; r++)
            {
                ref float row = ref e[(long)r * width];
                ref float s = ref sums[(long)r * k];
                if (_forward)
                {
                    Copy(ref row, ref s, k);
                    for (int f = 1; f < m; f++) AddInto(ref Unsafe.Add(ref row, f * k), ref s, k);
                    float sq = TensorPrimitives.SumOfSquares(e.AsSpan(r * width, width));
                    _state.Output.Buffer[r] = 0.5f * (TensorPrimitives.SumOfSquares(sums.AsSpan(r * k, k)) - sq);
                }
                else
                {
                    // dx = g · (S − e)
                    float g = _grad[r];
                    ref float dx = ref _state.GradInput.Buffer[(long)r * width];
                    for (int f = 0; f < m; f++) SubtractScale(ref s, ref Unsafe.Add(ref row, f * k), g, ref Unsafe.Add(ref dx, f * k), k);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Copy(ref float src, ref float dst, int k)
        {
            for (int d = 0; d < k; d++) Unsafe.Add(ref dst, d) = Unsafe.Add(ref src, d);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddInto(ref float src, ref float dst, int k)
        {
            int d = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; d + 8 <= k; d += 8)
                    (Vector256.LoadUnsafe(ref dst, (nuint)d) + Vector256.LoadUnsafe(ref src, (nuint)d)).StoreUnsafe(ref dst, (nuint)d);
            for (; d < k; d++) Unsafe.Add(ref dst, d) += Unsafe.Add(ref src, d);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void SubtractScale(ref float s, ref float e, float g, ref float dx, int k)
        {
            int d = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var vg = Vector256.Create(g);
                for (; d + 8 <= k; d += 8)
                    ((Vector256.LoadUnsafe(ref s, (nuint)d) - Vector256.LoadUnsafe(ref e, (nuint)d)) * vg).StoreUnsafe(ref dx, (nuint)d);
            }
            for (; d < k; d++) Unsafe.Add(ref dx, d) = (Unsafe.Add(ref s, d) - Unsafe.Add(ref e, d)) * g;
        }
    }

    /// <summary>Rendle's identity as ops: <c>½[Σ_d (Σ_i e_id)² − Σ_{i,d} e_id²]</c>, from <c>[N, m·k]</c> to <c>[N, 1]</c>.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        string fields = graph.SplitFields(input, Fields, Dim, "fm.fields");                       // [N, m, k]
        string sums = graph.ReduceSum(fields, [1], keepDims: false, "fm.sum");                    // S_d: [N, k]
        string sumSquared = graph.ReduceSum(graph.Mul(sums, sums, "fm.sum_sq"), [1], keepDims: true, "fm.square_of_sum");
        string squares = graph.ReduceSum(graph.Mul(input, input, "fm.sq"), [1], keepDims: true, "fm.sum_of_squares");
        string difference = graph.Node("Sub", [sumSquared, squares], "fm.difference");          // [N, 1]
        return graph.Mul(difference, graph.Constant("fm.half", [0.5f], [1]), "fm");
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var input = state.Input ?? throw new InvalidOperationException("Backward before Forward.");
        int b = input.Rows;
        state.GradInput.Reshape(b, Fields * Dim);
        state.Job.Set(this, state, forward: false, gradOutput.Buffer);
        ws.Compute.For(b, RowsPerPart, state.Job);
        return state.GradInput;
    }
}
