using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
            case ActivationKind.Relu: ReluBackward(y, dy, dx); break;
            case ActivationKind.Tanh:
                // dx = dy · (1 − y²)
                TensorPrimitives.Multiply(y, y, dx);
                TensorPrimitives.Subtract(1f, dx, dx);
                TensorPrimitives.Multiply(dy, dx, dx);
                break;
            case ActivationKind.Sigmoid:
                // dx = dy · y · (1 − y)
                TensorPrimitives.Subtract(1f, y, dx);
                TensorPrimitives.Multiply(y, dx, dx);
                TensorPrimitives.Multiply(dy, dx, dx);
                break;
            default: dy.CopyTo(dx); break;
        }
        return _gradInput;
    }

    /// <summary><c>dx = y &gt; 0 ? dy : 0</c>, branch-free.</summary>
    internal static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0, n = dx.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float py = ref MemoryMarshal.GetReference(y);
            ref float pdy = ref MemoryMarshal.GetReference(dy);
            ref float pdx = ref MemoryMarshal.GetReference(dx);
            for (; i + 8 <= n; i += 8)
            {
                var positive = Vector256.GreaterThan(Vector256.LoadUnsafe(ref py, (nuint)i), Vector256<float>.Zero);
                (Vector256.LoadUnsafe(ref pdy, (nuint)i) & positive).StoreUnsafe(ref pdx, (nuint)i);
            }
        }
        for (; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0f;
    }
}
