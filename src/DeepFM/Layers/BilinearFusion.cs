using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// FinalMLP's stream-level interaction aggregation (Mao et al. 2023, eq. 5; FuxiCTR's <c>InteractionAggregation</c>
/// with one output): two stream outputs <c>o_1</c> (<c>B × d_1</c>) and <c>o_2</c> (<c>B × d_2</c>) are cut into
/// <see cref="Heads"/> chunks each and fused into one logit
/// <c>y = b + w_1ᵀ o_1 + w_2ᵀ o_2 + Σ_h o_{1,h}ᵀ W_{3,h} o_{2,h}</c>, a multi-head bilinear fusion.
/// </summary>
/// <remarks>
/// Per head, <c>T_h = o_{1,h} W_{3,h}</c> is one GEMM over the batch (strided views of the stream outputs), so the
/// bilinear terms are <c>Σ_j (T ⊙ o_2)_{·j}</c> and everything else is a matrix–vector product. Backward, with
/// <c>G = g ⊙ o_2</c> (each row scaled by its logit's gradient): <c>∂W_{3,h} = o_{1,h}ᵀ G_h</c>,
/// <c>∂o_{1,h} = g w_{1,h}ᵀ + G_h W_{3,h}ᵀ</c>, <c>∂o_2 = g ⊙ (T + w_2)</c>.
/// Not a <see cref="Layer"/>: it takes two inputs and returns two gradients.
/// </remarks>
public sealed class BilinearFusion : Module
{
    /// <summary>Creates the fusion of widths <paramref name="leftDim"/> and <paramref name="rightDim"/>, both divisible
    /// by <paramref name="heads"/>: Glorot-uniform <c>w_1, w_2</c>, Glorot-normal <c>W_3</c> (as FuxiCTR), zero b.</summary>
    public BilinearFusion(int leftDim, int rightDim, int heads, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(heads);
        if (leftDim % heads != 0 || rightDim % heads != 0) throw new ArgumentException($"Widths {leftDim} and {rightDim} are not divisible by {heads} heads.");
        LeftDim = leftDim;
        RightDim = rightDim;
        Heads = heads;
        LeftWeight = AddParameter("left.weight", leftDim, 1);
        RightWeight = AddParameter("right.weight", rightDim, 1);
        Bias = AddParameter("bias", 1, 1);
        Weight = AddParameter("weight", heads * (leftDim / heads), rightDim / heads);
        Uniform(LeftWeight.Value, MathF.Sqrt(6f / (leftDim + 1)), rng);
        Uniform(RightWeight.Value, MathF.Sqrt(6f / (rightDim + 1)), rng);
        double std = Math.Sqrt(2.0 / (1 + Weight.Count));
        var w = Weight.Value;
        for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextGaussian() * std);
    }

    private static void Uniform(float[] w, float limit, Rng rng)
    {
        for (int i = 0; i < w.Length; i++) w[i] = (2 * rng.NextFloat() - 1) * limit;
    }

    /// <summary>Width d_1 of the first stream.</summary>
    public int LeftDim { get; }

    /// <summary>Width d_2 of the second stream.</summary>
    public int RightDim { get; }

    /// <summary>Heads: each pairs a <c>d_1/H</c> chunk of o_1 with the same chunk index of o_2.</summary>
    public int Heads { get; }

    /// <summary>w_1, <c>d_1 × 1</c>.</summary>
    public Parameter LeftWeight { get; }

    /// <summary>w_2, <c>d_2 × 1</c>.</summary>
    public Parameter RightWeight { get; }

    /// <summary>b, the logit's constant.</summary>
    public Parameter Bias { get; }

    /// <summary>W_3: head h's <c>(d_1/H) × (d_2/H)</c> matrix at rows <c>[h·d_1/H, (h+1)·d_1/H)</c>.</summary>
    public Parameter Weight { get; }

    /// <summary>The fused logit <c>B × 1</c> of the two streams' outputs (same number of rows).</summary>
    public Matrix Forward(Matrix left, Matrix right, Workspace ws)
    {
        if (left.Cols != LeftDim || right.Cols != RightDim || left.Rows != right.Rows)
            throw new ArgumentException($"BilinearFusion expects {LeftDim} and {RightDim} columns on the same rows, got {left.Rows}×{left.Cols} and {right.Rows}×{right.Cols}.");
        var state = ws.State<State>(this);
        int b = left.Rows, d1 = LeftDim, d2 = RightDim, h1 = d1 / Heads, h2 = d2 / Heads;
        state.Left = left;
        state.Right = right;
        var mixed = state.Mixed.Reshape(b, d2).Span;
        for (int h = 0; h < Heads; h++)   // T_h = o_{1,h} W_{3,h}
            Gemm.Multiply(ws.Compute, false, false, b, h2, h1, left.Span[(h * h1)..], d1, Weight.Value.AsSpan(h * h1 * h2, h1 * h2), h2, mixed[(h * h2)..], d2, accumulate: false);
        var products = state.Products.Reshape(b, d2).Span;
        TensorPrimitives.Multiply(mixed, right.Span, products);                                                         // T ⊙ o_2
        var y = state.Output.Reshape(b, 1).Span;
        Gemm.Multiply(ws.Compute, false, false, b, 1, d2, products, d2, state.Ones(d2), 1, y, 1, accumulate: false);    // Σ_h o_{1,h}ᵀ W_{3,h} o_{2,h}
        Gemm.Multiply(ws.Compute, false, false, b, 1, d1, left.Span, d1, LeftWeight.Value, 1, y, 1, accumulate: true);  // + w_1ᵀ o_1
        Gemm.Multiply(ws.Compute, false, false, b, 1, d2, right.Span, d2, RightWeight.Value, 1, y, 1, accumulate: true); // + w_2ᵀ o_2
        TensorPrimitives.Add(y, Bias.Value[0], y);
        return state.Output;
    }

    /// <summary>Given <c>∂L/∂y</c> (<c>B × 1</c>), accumulates the parameter gradients and returns <c>∂L/∂o_1</c>, <c>∂L/∂o_2</c>.</summary>
    public (Matrix Left, Matrix Right) Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var left = state.Left ?? throw new InvalidOperationException("Backward before Forward.");
        var right = state.Right!;
        int b = left.Rows, d1 = LeftDim, d2 = RightDim, h1 = d1 / Heads, h2 = d2 / Heads;
        var g = gradOutput.Span[..b];
        Bias.Grad[0] += TensorPrimitives.Sum(g);
        Gemm.Multiply(ws.Compute, true, false, d1, 1, b, left.Span, d1, g, 1, LeftWeight.Grad, 1, accumulate: true);
        Gemm.Multiply(ws.Compute, true, false, d2, 1, b, right.Span, d2, g, 1, RightWeight.Grad, 1, accumulate: true);
        var scaled = state.Products.Span;   // G = g ⊙ o_2 (the forward products are no longer needed)
        var mixed = state.Mixed.Span;
        var dRight = state.GradRight.Reshape(b, d2).Span;
        var o2 = right.Span;
        var w2 = RightWeight.Value.AsSpan(0, d2);
        for (int r = 0; r < b; r++)
        {
            var row = o2.Slice(r * d2, d2);
            TensorPrimitives.Multiply(row, g[r], scaled.Slice(r * d2, d2));
            var dr = dRight.Slice(r * d2, d2);
            TensorPrimitives.Add(mixed.Slice(r * d2, d2), w2, dr);   // ∂o_2 = g (T + w_2)
            TensorPrimitives.Multiply(dr, g[r], dr);
        }
        var dLeft = state.GradLeft.Reshape(b, d1).Span;
        Gemm.Multiply(ws.Compute, false, false, b, d1, 1, g, 1, LeftWeight.Value, d1, dLeft, d1, accumulate: false);   // g w_1ᵀ
        for (int h = 0; h < Heads; h++)
        {
            var wh = Weight.Value.AsSpan(h * h1 * h2, h1 * h2);
            Gemm.Multiply(ws.Compute, true, false, h1, h2, b, left.Span[(h * h1)..], d1, scaled[(h * h2)..], d2, Weight.Grad.AsSpan(h * h1 * h2, h1 * h2), h2, accumulate: true);
            Gemm.Multiply(ws.Compute, false, true, b, h1, h2, scaled[(h * h2)..], d2, wh, h2, dLeft[(h * h1)..], d1, accumulate: true);
        }
        return (state.GradLeft, state.GradRight);
    }

    /// <summary>ONNX: <c>[N, d_1] → [N, H, 1, d_1/H]</c>, batched MatMul with W_3 as <c>[H, d_1/H, d_2/H]</c>, back to
    /// <c>[N, d_2]</c>, times o_2 and summed; plus the two linear terms and b. Returns <c>[N, 1]</c>.</summary>
    public string ToOnnx(IOnnxGraph graph, string left, string right)
    {
        string prefix = Bias.Name.EndsWith(".bias", StringComparison.Ordinal) ? Bias.Name[..^".bias".Length] : "fusion";
        int h1 = LeftDim / Heads, h2 = RightDim / Heads;
        string heads = graph.Node("Reshape", [left, graph.Constant(prefix + ".heads_shape", [0, Heads, 1, h1])], prefix + ".heads");
        string t = graph.Node("MatMul", [heads, graph.Parameter(Weight, Heads, h1, h2)], prefix + ".mixed");            // [N, H, 1, d_2/H]
        string flat = graph.Node("Reshape", [t, graph.Constant(prefix + ".flat_shape", [0, RightDim])], prefix + ".mixed_flat");
        string bilinear = graph.ReduceSum(graph.Mul(flat, right, prefix + ".products"), [1], keepDims: true, prefix + ".bilinear");
        string linear = graph.Add(graph.Node("MatMul", [left, graph.Parameter(LeftWeight)], prefix + ".left"),
            graph.Node("MatMul", [right, graph.Parameter(RightWeight)], prefix + ".right"), prefix + ".linear");
        return graph.Add(graph.Add(bilinear, linear, prefix + ".sum"), graph.Parameter(Bias, 1), prefix);
    }

    /// <summary>What one workspace keeps: both inputs, <c>T</c>, the products, and the input gradients.</summary>
    private sealed class State
    {
        public Matrix? Left, Right;
        public readonly Matrix Mixed = new();
        public readonly Matrix Products = new();
        public readonly Matrix Output = new();
        public readonly Matrix GradLeft = new();
        public readonly Matrix GradRight = new();
        private float[] _ones = [];

        public ReadOnlySpan<float> Ones(int n)
        {
            if (_ones.Length < n) { _ones = new float[n]; _ones.AsSpan().Fill(1f); }
            return _ones.AsSpan(0, n);
        }
    }
}
