using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// The cross network of DCN-V2 (Wang et al. 2021, eq. 1): <c>x_{l+1} = x_0 ⊙ (x_l W_l + b_l) + x_l</c> with a full
/// <c>d × d</c> matrix per layer (DCN's rank-one <c>w_l</c> made full rank), so each layer is one matrix product on
/// the engine's GEMM plus element-wise passes. Output <c>x_L</c>, <c>B × d</c>.
/// </summary>
public sealed class CrossNetworkV2 : Layer
{
    /// <summary>Creates <paramref name="layers"/> layers of width <paramref name="width"/>: Glorot-uniform <c>W_l</c>, zero <c>b_l</c>.</summary>
    public CrossNetworkV2(int width, int layers, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        Width = width;
        Weights = new Parameter[layers];
        Biases = new Parameter[layers];
        float limit = MathF.Sqrt(6f / (2 * width));
        for (int l = 0; l < layers; l++)
        {
            Weights[l] = AddParameter($"{l}.weight", width, width);
            Biases[l] = AddParameter($"{l}.bias", 1, width);
            var w = Weights[l].Value;
            for (int j = 0; j < w.Length; j++) w[j] = (2 * rng.NextFloat() - 1) * limit;
        }
    }

    /// <summary>Width d.</summary>
    public int Width { get; }

    /// <summary>W_l (d × d, stored input × output as <see cref="Linear"/>).</summary>
    public Parameter[] Weights { get; }

    /// <summary>b_l (1 × d).</summary>
    public Parameter[] Biases { get; }

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        if (input.Cols != Width) throw new ArgumentException($"CrossNetworkV2 expects {Width} columns, got {input.Cols}.");
        var state = ws.State<State>(this);
        int b = input.Rows, d = Width, layers = Weights.Length;
        state.Ensure(layers);
        state.Input = input;
        var x0 = input.Span;
        for (int l = 0; l < layers; l++)
        {
            var previous = l == 0 ? input : state.Outputs[l - 1];
            var u = state.Mixed[l].Reshape(b, d).Span;
            var bias = Biases[l].Value.AsSpan();
            for (int r = 0; r < b; r++) bias.CopyTo(u.Slice(r * d, d));
            Gemm.Multiply(ws.Compute, false, false, b, d, d, previous.Span, d, Weights[l].Value, d, u, d, accumulate: true);   // x_l W_l + b_l
            var next = state.Outputs[l].Reshape(b, d).Span;
            TensorPrimitives.Multiply(x0[..(b * d)], u, next);
            TensorPrimitives.Add(next, previous.Span[..(b * d)], next);
        }
        return state.Outputs[layers - 1];
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var input = state.Input ?? throw new InvalidOperationException("Backward before Forward.");
        int b = input.Rows, d = Width, n = b * d, layers = Weights.Length;
        var x0 = input.Span[..n];
        var g = state.Gradient.Reshape(b, d).Span;
        gradOutput.Span[..n].CopyTo(g);
        var dx0 = state.GradInput.Reshape(b, d).Span;
        dx0.Clear();
        var du = state.MixedGradient.Reshape(b, d).Span;
        var dPrevious = state.PreviousGradient.Reshape(b, d).Span;
        for (int l = layers - 1; l >= 0; l--)
        {
            var previous = (l == 0 ? input : state.Outputs[l - 1]).Span[..n];
            var u = state.Mixed[l].Span[..n];
            TensorPrimitives.MultiplyAdd(g, u, dx0, dx0);     // x_0 ⊙ u: dL/dx_0 += g ⊙ u
            TensorPrimitives.Multiply(g, x0, du);            // dL/du = g ⊙ x_0
            Gemm.Multiply(ws.Compute, true, false, d, d, b, previous, d, du, d, Weights[l].Grad, d, accumulate: true);   // dW += x_lᵀ du
            var db = Biases[l].Grad.AsSpan();
            for (int r = 0; r < b; r++) TensorPrimitives.Add(db, du.Slice(r * d, d), db);
            Gemm.Multiply(ws.Compute, false, true, b, d, d, du, d, Weights[l].Value, d, dPrevious, d, accumulate: false);  // du W_lᵀ
            TensorPrimitives.Add(g, dPrevious, g);            // dL/dx_l = g (identity) + du W_lᵀ
        }
        TensorPrimitives.Add(dx0, g, dx0);   // x_0 is also the first layer's x_l
        return state.GradInput;
    }

    /// <summary>ONNX: each layer as <c>x_0 · (MatMul(x_l, W_l) + b_l) + x_l</c>.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        string prefix = Weights[0].Name.EndsWith(".0.weight", StringComparison.Ordinal) ? Weights[0].Name[..^".0.weight".Length] : "cross";
        string x = input;
        for (int l = 0; l < Weights.Length; l++)
        {
            string mixed = graph.Add(graph.Node("MatMul", [x, graph.Parameter(Weights[l])], $"{prefix}.{l}.matmul"), graph.Parameter(Biases[l], Width), $"{prefix}.{l}.mixed");
            x = graph.Add(graph.Mul(input, mixed, $"{prefix}.{l}.cross"), x, $"{prefix}.{l}.out");
        }
        return x;
    }

    /// <summary>What one workspace keeps: x_0, each layer's <c>x_l W_l + b_l</c> and output, and backward's buffers.</summary>
    private sealed class State
    {
        public Matrix? Input;
        public Matrix[] Outputs = [], Mixed = [];
        public readonly Matrix Gradient = new();
        public readonly Matrix MixedGradient = new();
        public readonly Matrix PreviousGradient = new();
        public readonly Matrix GradInput = new();

        public void Ensure(int layers)
        {
            if (Outputs.Length == layers) return;
            Outputs = new Matrix[layers];
            Mixed = new Matrix[layers];
            for (int l = 0; l < layers; l++) { Outputs[l] = new Matrix(); Mixed[l] = new Matrix(); }
        }
    }
}
