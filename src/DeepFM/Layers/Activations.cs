using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>Hidden-layer activation functions (the paper's Figure 7 compares relu and tanh).</summary>
public enum ActivationKind
{
    /// <summary>max(0, x).</summary>
    Relu,
    /// <summary>tanh(x).</summary>
    Tanh,
    /// <summary>1 / (1 + e^-x).</summary>
    Sigmoid,
    /// <summary>x (no activation).</summary>
    Identity,
}

/// <summary>An element-wise activation layer.</summary>
public sealed class Activation : Layer
{
    private readonly Matrix _output = new();
    private readonly Matrix _gradInput = new();

    /// <summary>Creates the layer.</summary>
    public Activation(ActivationKind kind) => Kind = kind;

    /// <summary>The function applied.</summary>
    public ActivationKind Kind { get; }

    /// <inheritdoc />
    public override Matrix Forward(Matrix input)
    {
        _output.Reshape(input.Rows, input.Cols);
        var x = input.Span;
        var y = _output.Span;
        switch (Kind)
        {
            case ActivationKind.Relu: TensorPrimitives.Max(x, 0f, y); break;
            case ActivationKind.Tanh: TensorPrimitives.Tanh(x, y); break;
            case ActivationKind.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            default: x.CopyTo(y); break;
        }
        return _output;
    }

    /// <inheritdoc />
    public override string ToOnnx(Export.OnnxGraph graph, string input) => Kind switch
    {
        ActivationKind.Relu => graph.Node("Relu", [input], "relu"),
        ActivationKind.Tanh => graph.Node("Tanh", [input], "tanh"),
        ActivationKind.Sigmoid => graph.Node("Sigmoid", [input], "sigmoid"),
        _ => input,
    };

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput)
    {
        // Derivatives are expressed through the saved output y, so the input need not be kept.
        _gradInput.Reshape(gradOutput.Rows, gradOutput.Cols);
        var dy = gradOutput.Span;
        var y = _output.Span;
        var dx = _gradInput.Span;
        switch (Kind)
        {
            case ActivationKind.Relu:
                for (int i = 0; i < dx.Length; i++) dx[i] = y[i] > 0 ? dy[i] : 0f;
                break;
            case ActivationKind.Tanh:
                for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
                break;
            case ActivationKind.Sigmoid:
                for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
                break;
            default: dy.CopyTo(dx); break;
        }
        return _gradInput;
    }
}
