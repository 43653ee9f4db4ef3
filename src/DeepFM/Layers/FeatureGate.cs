using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// FinalMLP's stream-specific feature selection (Mao et al. 2023, eq. 3) with a learned context, as FuxiCTR's
/// <c>FeatureSelection</c> with no context fields: <c>g = 2·sigmoid(MLP(c))</c>, one gate per input element computed
/// from a learned <c>1 × k</c> vector c (zero at the start, so every gate starts at 1), and the output
/// <c>x ⊙ g</c> (each row gated alike). The MLP is one hidden ReLU layer (<see cref="HiddenWidth"/>, FuxiCTR's default
/// <c>fs_hidden_units = [64]</c>) and a sigmoid output layer, run on the one-row context.
/// </summary>
public sealed class FeatureGate : Layer
{
    /// <summary>Hidden width of the gate's MLP.</summary>
    public const int HiddenWidth = 64;

    private readonly Sequential _gate;

    /// <summary>Creates the gate of <paramref name="width"/> elements from a context of size <paramref name="contextDim"/>.</summary>
    public FeatureGate(int width, int contextDim, long seed, int stream)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(contextDim);
        Width = width;
        Context = AddParameter("context", 1, contextDim);
        _gate = AddModule("mlp", Mlp.Build(contextDim, new MlpSpec([HiddenWidth], ActivationKind.Relu, 0f, false), outputs: width, seed, stream)
            .Add(new Activation(ActivationKind.Sigmoid)));
    }

    /// <summary>Input (and output) width.</summary>
    public int Width { get; }

    /// <summary>The learned context c, <c>1 × k</c>.</summary>
    public Parameter Context { get; }

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        if (input.Cols != Width) throw new ArgumentException($"FeatureGate expects {Width} columns, got {input.Cols}.");
        var state = ws.State<State>(this);
        state.Input = input;
        Context.Value.CopyTo(state.Context.Reshape(1, Context.Cols).Span);
        var sigmoid = _gate.Forward(state.Context, ws).Span;                  // sigmoid(MLP(c))
        var g = state.Gate.Reshape(1, Width).Span;
        TensorPrimitives.Multiply(sigmoid, 2f, g);                            // g = 2·sigmoid(MLP(c))
        int b = input.Rows, d = Width;
        var x = input.Span;
        var y = state.Output.Reshape(b, d).Span;
        for (int r = 0; r < b; r++) TensorPrimitives.Multiply(x.Slice(r * d, d), g, y.Slice(r * d, d));
        return state.Output;
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var input = state.Input ?? throw new InvalidOperationException("Backward before Forward.");
        int b = input.Rows, d = Width;
        var x = input.Span;
        var dy = gradOutput.Span;
        var g = state.Gate.Span;
        var dx = state.GradInput.Reshape(b, d).Span;
        var dGate = state.GateGradient.ReshapeZeroed(1, d).Span;
        for (int r = 0; r < b; r++)
        {
            var dyr = dy.Slice(r * d, d);
            TensorPrimitives.Multiply(dyr, g, dx.Slice(r * d, d));                 // ∂x = ∂y ⊙ g
            TensorPrimitives.MultiplyAdd(dyr, x.Slice(r * d, d), dGate, dGate);    // ∂g = Σ_r ∂y_r ⊙ x_r
        }
        TensorPrimitives.Multiply(dGate, 2f, dGate);                               // through g = 2·sigmoid(·)
        var dContext = _gate.Backward(state.GateGradient, ws).Span;
        TensorPrimitives.Add(Context.Grad, dContext, Context.Grad);
        return state.GradInput;
    }

    /// <summary>ONNX: the gate from the context initializer (<c>[1, d]</c>), times 2, broadcast over the rows.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        string prefix = Context.Name.EndsWith(".context", StringComparison.Ordinal) ? Context.Name[..^".context".Length] : "gate";
        string sigmoid = _gate.ToOnnx(graph, graph.Parameter(Context));
        string g = graph.Mul(sigmoid, graph.Constant(prefix + ".two", [2f], [1]), prefix + ".gate");
        return graph.Mul(input, g, prefix);
    }

    /// <summary>What one workspace keeps: the input, the context as a one-row matrix, the gate, and the buffers.</summary>
    private sealed class State
    {
        public Matrix? Input;
        public readonly Matrix Context = new();
        public readonly Matrix Gate = new();
        public readonly Matrix Output = new();
        public readonly Matrix GradInput = new();
        public readonly Matrix GateGradient = new();
    }
}
