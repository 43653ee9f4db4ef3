using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// xDeepFM's Compressed Interaction Network (Lian et al. 2018, eqs. 6–8; FuxiCTR's <c>CompressedInteractionNet</c>):
/// from the field embeddings <c>X⁰</c> (<c>m × k</c> per row, <c>B × m·k</c> field-major), each layer compresses the
/// outer products of <c>X⁰</c> and the previous layer along the embedding axis,
/// <c>X^l_{c,*} = Σ_{h,j} W^l_{(h,j),c} (X⁰_{h,*} ⊙ X^{l−1}_{j,*}) + b^l_c</c> (<c>H_l</c> feature maps, a 1×1
/// convolution with bias), and sum-pools every map over the embedding axis, <c>p^l_c = Σ_e X^l_{c,e}</c>. Output the
/// concatenated pools <c>[p¹, …, p^L]</c>, <c>B × ΣH_l</c> (no activation and no split, as FuxiCTR).
/// </summary>
/// <remarks>
/// Activations are kept embedding-major (a row of <c>B·k</c> per (row, coordinate e), a column per feature map), so
/// the outer products of coordinate e are one row <c>Z_e = X⁰_{·,e} ⊗ X^{l−1}_{·,e}</c> of <c>m·H_{l−1}</c> and the
/// compression of the whole batch is one GEMM, <c>X^l = Z W^l + b^l</c>. Backward: <c>∂W^l = Zᵀ ∂X^l</c>,
/// <c>∂Z = ∂X^l W^lᵀ</c>, then each <c>Z_e</c>'s outer product back to its two sides.
/// </remarks>
public sealed class CompressedInteraction : Layer
{
    /// <summary>Creates the network for m fields of size k with <paramref name="units"/> feature maps per layer:
    /// Glorot-uniform W, zero b.</summary>
    public CompressedInteraction(int fields, int dim, IReadOnlyList<int> units, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fields);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        if (units.Count == 0 || units.Any(u => u <= 0)) throw new ArgumentException("CIN needs at least one layer of positive width.", nameof(units));
        Fields = fields;
        Dim = dim;
        Units = [.. units];
        Weights = new Parameter[units.Count];
        Biases = new Parameter[units.Count];
        int previous = fields;
        for (int l = 0; l < units.Count; l++)
        {
            int inputs = fields * previous;
            Weights[l] = AddParameter($"{l}.weight", inputs, units[l]);
            Biases[l] = AddParameter($"{l}.bias", 1, units[l]);
            float limit = MathF.Sqrt(6f / (inputs + units[l]));
            var w = Weights[l].Value;
            for (int i = 0; i < w.Length; i++) w[i] = (2 * rng.NextFloat() - 1) * limit;
            previous = units[l];
        }
        Outputs = Units.Sum();
    }

    /// <summary>Fields m.</summary>
    public int Fields { get; }

    /// <summary>Embedding size k.</summary>
    public int Dim { get; }

    /// <summary>Feature maps H_l of each layer.</summary>
    public int[] Units { get; }

    /// <summary>Output width ΣH_l.</summary>
    public int Outputs { get; }

    /// <summary>W^l, <c>m·H_{l−1} × H_l</c> (row <c>h·H_{l−1} + j</c> pairs field h of X⁰ with map j of X^{l−1}).</summary>
    public Parameter[] Weights { get; }

    /// <summary>b^l, <c>1 × H_l</c>.</summary>
    public Parameter[] Biases { get; }

    private int Previous(int l) => l == 0 ? Fields : Units[l - 1];

    private int Offset(int l)
    {
        int o = 0;
        for (int i = 0; i < l; i++) o += Units[i];
        return o;
    }

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        int m = Fields, k = Dim, layers = Units.Length;
        if (input.Cols != m * k) throw new ArgumentException($"CompressedInteraction expects {m}×{k} columns, got {input.Cols}.");
        var state = ws.State<State>(this);
        state.Ensure(layers);
        int b = input.Rows, n = b * k;
        state.Input = input;
        state.X0.Reshape(n, m);
        state.Output.Reshape(b, Outputs);
        Run(ws, state, Phase.Transpose, 0, b);                                                                      // X⁰, embedding-major
        var ones = state.Ones(n);
        for (int l = 0; l < layers; l++)
        {
            int inputs = m * Previous(l), h = Units[l];
            var z = state.Products[l].Reshape(n, inputs).Span;
            var x = state.Maps[l].Reshape(n, h).Span;
            Run(ws, state, Phase.Products, l, b);                                                                   // Z_e = X⁰_e ⊗ X^{l−1}_e
            Gemm.Multiply(ws.Compute, false, false, n, h, 1, ones, 1, Biases[l].Value, h, x, h, accumulate: false);
            Gemm.Multiply(ws.Compute, false, false, n, h, inputs, z, inputs, Weights[l].Value, h, x, h, accumulate: true);   // X^l = Z W^l + b^l
            Run(ws, state, Phase.Pool, l, b);                                                                       // p^l = Σ_e X^l_e
        }
        return state.Output;
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var input = state.Input ?? throw new InvalidOperationException("Backward before Forward.");
        int m = Fields, k = Dim, layers = Units.Length, b = input.Rows, n = b * k;
        state.Grad = gradOutput.Buffer;
        state.X0Gradient.ReshapeZeroed(n, m);
        var ones = state.Ones(n);
        for (int l = layers - 1; l >= 0; l--)
        {
            int inputs = m * Previous(l), h = Units[l];
            var dx = state.MapGradient[l % 2].Reshape(n, h).Span;   // ∂X^l: the pool's broadcast plus, above the top, layer l+1's
            Run(ws, state, Phase.Broadcast, l, b);
            var z = state.Products[l].Span;
            Gemm.Multiply(ws.Compute, true, false, inputs, h, n, z, inputs, dx, h, Weights[l].Grad, h, accumulate: true);   // ∂W^l = Zᵀ ∂X^l
            Gemm.Multiply(ws.Compute, true, false, 1, h, n, ones, 1, dx, h, Biases[l].Grad, h, accumulate: true);
            Gemm.Multiply(ws.Compute, false, true, n, inputs, h, dx, h, Weights[l].Value, h, state.ProductGradient.Reshape(n, inputs).Span, inputs, accumulate: false);   // ∂Z
            if (l > 0) state.MapGradient[(l - 1) % 2].ReshapeZeroed(n, Previous(l));
            Run(ws, state, Phase.Unproduct, l, b);                                                                  // ∂X⁰, ∂X^{l−1}
        }
        state.GradInput.Reshape(b, m * k);
        Run(ws, state, Phase.TransposeBack, 0, b);
        return state.GradInput;
    }

    private void Run(Workspace ws, State state, Phase phase, int layer, int rows)
    {
        state.Job.Set(this, state, phase, layer);
        ws.Compute.For(rows, Math.Max(1, Activation.ParallelMinElements / (Dim * Fields * Units.Max())), state.Job);
    }

    /// <summary>ONNX, embedding-major as <see cref="Forward"/>: <c>X⁰ᵀ</c> as <c>[N, k, m]</c>; per layer the outer
    /// product <c>[N, k, m, H_{l−1}]</c> by broadcasting, reshaped to <c>[N, k, m·H_{l−1}]</c>, MatMul W^l plus b^l,
    /// summed over k; the pools concatenated to <c>[N, ΣH_l]</c>.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        string prefix = Weights[0].Name.EndsWith(".0.weight", StringComparison.Ordinal) ? Weights[0].Name[..^".0.weight".Length] : "cin";
        string x0 = graph.Node("Transpose", [graph.SplitFields(input, Fields, Dim, prefix + ".fields")], prefix + ".x0", OnnxAttribute.Ints("perm", 0, 2, 1));   // [N, k, m]
        string left = graph.Node("Unsqueeze", [x0, graph.Constant(prefix + ".axes3", [3])], prefix + ".x0_col");                              // [N, k, m, 1]
        string previous = x0;
        var pools = new string[Units.Length];
        for (int l = 0; l < Units.Length; l++)
        {
            string right = graph.Node("Unsqueeze", [previous, graph.Constant($"{prefix}.{l}.axes2", [2])], $"{prefix}.{l}.previous_row");      // [N, k, 1, H_{l−1}]
            string outer = graph.Mul(left, right, $"{prefix}.{l}.outer");                                                                   // [N, k, m, H_{l−1}]
            string z = graph.Node("Reshape", [outer, graph.Constant($"{prefix}.{l}.z_shape", [0, Dim, Fields * Previous(l)])], $"{prefix}.{l}.z");
            previous = graph.Add(graph.Node("MatMul", [z, graph.Parameter(Weights[l])], $"{prefix}.{l}.matmul"), graph.Parameter(Biases[l], Units[l]), $"{prefix}.{l}.maps");   // [N, k, H_l]
            pools[l] = graph.ReduceSum(previous, [1], keepDims: false, $"{prefix}.{l}.pool");                                              // [N, H_l]
        }
        return pools.Length == 1 ? pools[0] : graph.Node("Concat", pools, prefix, OnnxAttribute.Int("axis", 1));
    }

    private enum Phase { Transpose, Products, Pool, Broadcast, Unproduct, TransposeBack }

    /// <summary>What one workspace keeps: the input, X⁰ embedding-major, each layer's products Z and maps X^l, the
    /// output, and backward's buffers (two alternating map gradients, one product gradient).</summary>
    private sealed class State
    {
        public Matrix? Input;
        public float[] Grad = [];
        public readonly Matrix X0 = new();
        public Matrix[] Products = [], Maps = [];
        public readonly Matrix Output = new();
        public readonly Matrix X0Gradient = new();
        public readonly Matrix[] MapGradient = [new(), new()];
        public readonly Matrix ProductGradient = new();
        public readonly Matrix GradInput = new();
        public readonly Job Job = new();
        private float[] _ones = [];

        public void Ensure(int layers)
        {
            if (Products.Length == layers) return;
            Products = new Matrix[layers];
            Maps = new Matrix[layers];
            for (int l = 0; l < layers; l++) { Products[l] = new Matrix(); Maps[l] = new Matrix(); }
        }

        public ReadOnlySpan<float> Ones(int n)
        {
            if (_ones.Length < n) { _ones = new float[n]; _ones.AsSpan().Fill(1f); }
            return _ones.AsSpan(0, n);
        }
    }

    /// <summary>Rows [start, end) of the batch (each with its k embedding-major rows) for one phase of one layer.</summary>
    private sealed class Job : RangeJob
    {
        private CompressedInteraction _layer = null!;
        private State _state = null!;
        private Phase _phase;
        private int _l;

        public void Set(CompressedInteraction layer, State state, Phase phase, int l) => (_layer, _state, _phase, _l) = (layer, state, phase, l);

        public override void Run(int start, int end)
        {
            int m = _layer.Fields, k = _layer.Dim, l = _l;
            int previous = _layer.Previous(l), inputs = m * previous, h = _layer.Units[l], offset = _layer.Offset(l), outputs = _layer.Outputs;
            var x0 = _state.X0.Buffer;
            var prevMaps = l == 0 ? x0 : _state.Maps[l - 1].Buffer;
            for (int r = start; r < end; r++)
            {
                switch (_phase)
                {
                    case Phase.Transpose:
                    {
                        var e = _state.Input!.Span.Slice(r * m * k, m * k);
                        var t = x0.AsSpan(r * k * m, k * m);
                        for (int f = 0; f < m; f++)
                            for (int c = 0; c < k; c++) t[c * m + f] = e[f * k + c];
                        break;
                    }
                    case Phase.TransposeBack:
                    {
                        var t = _state.X0Gradient.Buffer.AsSpan(r * k * m, k * m);
                        var dx = _state.GradInput.Buffer.AsSpan(r * m * k, m * k);
                        for (int f = 0; f < m; f++)
                            for (int c = 0; c < k; c++) dx[f * k + c] = t[c * m + f];
                        break;
                    }
                    case Phase.Products:
                        for (int c = 0; c < k; c++)
                        {
                            int row = r * k + c;
                            var a = x0.AsSpan(row * m, m);
                            var p = prevMaps.AsSpan(row * previous, previous);
                            var z = _state.Products[l].Buffer.AsSpan(row * inputs, inputs);
                            for (int f = 0; f < m; f++) TensorPrimitives.Multiply(p, a[f], z.Slice(f * previous, previous));
                        }
                        break;
                    case Phase.Pool:
                    {
                        var pool = _state.Output.Buffer.AsSpan(r * outputs + offset, h);
                        var maps = _state.Maps[l].Buffer;
                        maps.AsSpan(r * k * h, h).CopyTo(pool);
                        for (int c = 1; c < k; c++) TensorPrimitives.Add(pool, maps.AsSpan((r * k + c) * h, h), pool);
                        break;
                    }
                    case Phase.Broadcast:
                    {
                        // ∂X^l_e += ∂p^l for every coordinate e; the top layer has nothing from above yet.
                        var dp = _state.Grad.AsSpan(r * outputs + offset, h);
                        var dx = _state.MapGradient[l % 2].Buffer;
                        bool top = l == _layer.Units.Length - 1;
                        for (int c = 0; c < k; c++)
                        {
                            var d = dx.AsSpan((r * k + c) * h, h);
                            if (top) dp.CopyTo(d);
                            else TensorPrimitives.Add(d, dp, d);
                        }
                        break;
                    }
                    case Phase.Unproduct:
                        for (int c = 0; c < k; c++)
                        {
                            int row = r * k + c;
                            var a = x0.AsSpan(row * m, m);
                            var p = prevMaps.AsSpan(row * previous, previous);
                            var dz = _state.ProductGradient.Buffer.AsSpan(row * inputs, inputs);
                            var da = _state.X0Gradient.Buffer.AsSpan(row * m, m);
                            var dp = l == 0 ? _state.X0Gradient.Buffer.AsSpan(row * m, m) : _state.MapGradient[(l - 1) % 2].Buffer.AsSpan(row * previous, previous);
                            for (int f = 0; f < m; f++)
                            {
                                var block = dz.Slice(f * previous, previous);
                                da[f] += TensorPrimitives.Dot(block, p);          // ∂X⁰_{f,e} += Σ_j ∂Z_{(f,j),e} X^{l−1}_{j,e}
                                TensorPrimitives.MultiplyAdd(block, a[f], dp, dp);  // ∂X^{l−1}_{j,e} += Σ_f ∂Z_{(f,j),e} X⁰_{f,e}
                            }
                        }
                        break;
                }
            }
        }
    }
}
