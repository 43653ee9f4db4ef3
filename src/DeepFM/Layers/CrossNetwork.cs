using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// The cross network of DCN (Wang et al. 2017, eq. 3): <c>L</c> layers over the embedded input <c>x_0</c> (<c>d</c>
/// columns), each <c>x_{l+1} = x_0 · (x_lᵀ w_l) + b_l + x_l</c> with <c>w_l, b_l ∈ ℝ^d</c>: layer <c>l</c> adds the
/// feature crosses of degree <c>l + 2</c> at <c>2d</c> parameters per layer. Output <c>x_L</c>, <c>B × d</c>.
/// </summary>
public sealed class CrossNetwork : Layer
{
    /// <summary>Creates <paramref name="layers"/> cross layers of width <paramref name="width"/>: weights uniform in
    /// ±√(6/(d+1)) (Glorot for a d → 1 map), biases zero.</summary>
    public CrossNetwork(int width, int layers, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        Width = width;
        Weights = new Parameter[layers];
        Biases = new Parameter[layers];
        float limit = MathF.Sqrt(6f / (width + 1));
        for (int l = 0; l < layers; l++)
        {
            Weights[l] = AddParameter($"{l}.weight", 1, width);
            Biases[l] = AddParameter($"{l}.bias", 1, width);
            var w = Weights[l].Value;
            for (int j = 0; j < w.Length; j++) w[j] = (2 * rng.NextFloat() - 1) * limit;
        }
    }

    /// <summary>Width d of the input and of every layer.</summary>
    public int Width { get; }

    /// <summary>w_l of each layer (1 × d).</summary>
    public Parameter[] Weights { get; }

    /// <summary>b_l of each layer (1 × d).</summary>
    public Parameter[] Biases { get; }

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        if (input.Cols != Width) throw new ArgumentException($"CrossNetwork expects {Width} columns, got {input.Cols}.");
        var state = ws.State<State>(this);
        int b = input.Rows, d = Width, layers = Weights.Length;
        state.Ensure(layers);
        state.Input = input;
        state.Scales.Reshape(layers, b);
        var x0 = input.Span;
        for (int l = 0; l < layers; l++)
        {
            var previous = l == 0 ? x0 : state.Outputs[l - 1].Span;
            var next = state.Outputs[l].Reshape(b, d).Span;
            var s = state.Scales.Span.Slice(l * b, b);
            var w = Weights[l].Value.AsSpan();
            var bias = Biases[l].Value.AsSpan();
            for (int r = 0; r < b; r++)
            {
                var xl = previous.Slice(r * d, d);
                var y = next.Slice(r * d, d);
                float sr = TensorPrimitives.Dot(xl, w);   // x_lᵀ w_l
                s[r] = sr;
                TensorPrimitives.Multiply(x0.Slice(r * d, d), sr, y);
                TensorPrimitives.Add(y, bias, y);
                TensorPrimitives.Add(y, xl, y);
            }
        }
        return state.Outputs[layers - 1];
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var input = state.Input ?? throw new InvalidOperationException("Backward before Forward.");
        int b = input.Rows, d = Width, layers = Weights.Length;
        var x0 = input.Span;
        // g holds dL/dx_{l+1} walking down; dx0 collects x_0's share of every layer, then the identity path's.
        var g = state.Gradient.Reshape(b, d).Span;
        gradOutput.Span[..(b * d)].CopyTo(g);
        var dx0 = state.GradInput.Reshape(b, d).Span;
        dx0.Clear();
        for (int l = layers - 1; l >= 0; l--)
        {
            var previous = l == 0 ? x0 : state.Outputs[l - 1].Span;
            var s = state.Scales.Span.Slice(l * b, b);
            var w = Weights[l].Value.AsSpan();
            var dw = Weights[l].Grad.AsSpan();
            var db = Biases[l].Grad.AsSpan();
            for (int r = 0; r < b; r++)
            {
                var gr = g.Slice(r * d, d);
                var x0r = x0.Slice(r * d, d);
                float ds = TensorPrimitives.Dot(gr, x0r);                          // dL/ds_l = g · x_0
                TensorPrimitives.MultiplyAdd(gr, s[r], dx0.Slice(r * d, d), dx0.Slice(r * d, d));   // x_0 · s_l
                TensorPrimitives.Add(db, gr, db);                                   // b_l
                TensorPrimitives.MultiplyAdd(previous.Slice(r * d, d), ds, dw, dw); // w_l: ds · x_l
                TensorPrimitives.MultiplyAdd(w, ds, gr, gr);                        // x_l: identity + ds · w_l
            }
        }
        TensorPrimitives.Add(dx0, g, dx0);   // x_0 is also the first layer's x_l
        return state.GradInput;
    }

    /// <summary>ONNX: each layer as <c>x_0 · MatMul(x_l, w_l) + b_l + x_l</c>.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        string prefix = Weights[0].Name.EndsWith(".0.weight", StringComparison.Ordinal) ? Weights[0].Name[..^".0.weight".Length] : "cross";
        string x = input;
        for (int l = 0; l < Weights.Length; l++)
        {
            string s = graph.Node("MatMul", [x, graph.Parameter(Weights[l], Width, 1)], $"{prefix}.{l}.scale");
            string crossed = graph.Mul(input, s, $"{prefix}.{l}.cross");
            x = graph.Add(graph.Add(crossed, graph.Parameter(Biases[l], Width), $"{prefix}.{l}.bias"), x, $"{prefix}.{l}.out");
        }
        return x;
    }

    /// <summary>What one workspace keeps: x_0, every x_{l+1}, the scales x_lᵀw_l, and backward's buffers.</summary>
    private sealed class State
    {
        public Matrix? Input;
        public Matrix[] Outputs = [];
        public readonly Matrix Scales = new();
        public readonly Matrix Gradient = new();
        public readonly Matrix GradInput = new();

        public void Ensure(int layers)
        {
            if (Outputs.Length == layers) return;
            Outputs = new Matrix[layers];
            for (int l = 0; l < layers; l++) Outputs[l] = new Matrix();
        }
    }
}
