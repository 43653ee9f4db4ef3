using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>Fully connected layer <c>y = x·W + b</c>, with <c>W</c> stored <c>in × out</c> so the forward pass and both
/// gradients are plain (NN, NT, TN) matrix products.</summary>
public sealed class Linear : Layer
{
    private readonly Matrix _output = new();
    private readonly Matrix _gradInput = new();
    private Matrix? _input;

    /// <summary>Creates the layer with Glorot-uniform weights and zero bias.</summary>
    public Linear(int inputs, int outputs, Rng rng)
    {
        Inputs = inputs;
        Outputs = outputs;
        Weight = AddParameter("weight", inputs, outputs);
        Bias = AddParameter("bias", 1, outputs);
        float limit = MathF.Sqrt(6f / (inputs + outputs));
        var w = Weight.Value;
        for (int i = 0; i < w.Length; i++) w[i] = (2 * rng.NextFloat() - 1) * limit;
    }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <summary><c>W</c>, <c>in × out</c>.</summary>
    public Parameter Weight { get; }

    /// <summary><c>b</c>, <c>1 × out</c>.</summary>
    public Parameter Bias { get; }

    /// <inheritdoc />
    public override Matrix Forward(Matrix input)
    {
        if (input.Cols != Inputs) throw new ArgumentException($"Linear expects {Inputs} inputs, got {input.Cols}.");
        _input = input;
        int b = input.Rows;
        _output.Reshape(b, Outputs);
        var y = _output.Span;
        var bias = Bias.Value.AsSpan();
        for (int r = 0; r < b; r++) bias.CopyTo(y.Slice(r * Outputs, Outputs));
        Gemm.Multiply(false, false, b, Outputs, Inputs, input.Span, Inputs, Weight.Value, Outputs, y, Outputs, accumulate: true);
        return _output;
    }

    /// <inheritdoc />
    public override string ToOnnx(Export.OnnxGraph graph, string input)
    {
        // Node names follow the parameter names (dnn.0.weight → dnn.0.matmul), so the graph reads like the model file.
        string prefix = Weight.Name.EndsWith(".weight", StringComparison.Ordinal) ? Weight.Name[..^".weight".Length] : "linear";
        string product = graph.Node("MatMul", [input, graph.Parameter(Weight)], prefix + ".matmul");
        return graph.Add(product, graph.Parameter(Bias, Outputs), prefix + ".add");
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput)
    {
        var x = _input ?? throw new InvalidOperationException("Backward before Forward.");
        int b = x.Rows;
        var dy = gradOutput.Span;
        // dW += xᵀ·dy ; db += column sums of dy ; dx = dy·Wᵀ
        Gemm.Multiply(true, false, Inputs, Outputs, b, x.Span, Inputs, dy, Outputs, Weight.Grad, Outputs, accumulate: true);
        var db = Bias.Grad.AsSpan();
        for (int r = 0; r < b; r++) TensorPrimitives.Add(db, dy.Slice(r * Outputs, Outputs), db);
        _gradInput.Reshape(b, Inputs);
        Gemm.Multiply(false, true, b, Inputs, Outputs, dy, Outputs, Weight.Value, Outputs, _gradInput.Span, Inputs, accumulate: false);
        return _gradInput;
    }
}
