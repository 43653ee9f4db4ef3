using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>An element-wise activation layer.</summary>
public sealed class Activation : Layer
{
    /// <summary>Below this many elements a pass runs on the calling thread (waking a helper costs more).</summary>
    internal const int ParallelMinElements = 1 << 15;

    /// <summary>Creates the layer.</summary>
    public Activation(ActivationKind kind) => Kind = kind;

    /// <summary>The function applied.</summary>
    public ActivationKind Kind { get; }

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        var state = ws.State<State>(this);
        state.Output.Reshape(input.Rows, input.Cols);
        // Element-wise, so splitting the range over threads gives the same bits as one pass.
        state.Job.Set(Kind, forward: true, input.Buffer, state.Output.Buffer, null);
        ws.Compute.For(input.Rows * input.Cols, ParallelMinElements, state.Job);
        return state.Output;
    }

    /// <summary>What one workspace keeps: the output (backward reads it) and the input gradient.</summary>
    private sealed class State
    {
        public readonly Matrix Output = new();
        public readonly Matrix GradInput = new();
        public readonly PassJob Job = new();
    }

    /// <inheritdoc />
    public override string ToOnnx(IOnnxGraph graph, string input) => Kind switch
    {
        ActivationKind.Relu => graph.Node("Relu", [input], "relu"),
        ActivationKind.Tanh => graph.Node("Tanh", [input], "tanh"),
        ActivationKind.Sigmoid => graph.Node("Sigmoid", [input], "sigmoid"),
        _ => input,
    };

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        // Derivatives are expressed through the saved output y, so the input need not be kept.
        state.GradInput.Reshape(gradOutput.Rows, gradOutput.Cols);
        state.Job.Set(Kind, forward: false, gradOutput.Buffer, state.GradInput.Buffer, state.Output.Buffer);
        ws.Compute.For(gradOutput.Rows * gradOutput.Cols, ParallelMinElements, state.Job);
        return state.GradInput;
    }

    /// <summary>One pass (forward: <c>y = f(x)</c>; backward: <c>dx = dy · f'(x)</c> through the saved <c>y</c>) over a range.</summary>
    private sealed class PassJob : RangeJob
    {
        private ActivationKind _kind;
        private bool _forward;
        private float[] _in = [], _out = [], _y = [];

        public void Set(ActivationKind kind, bool forward, float[] input, float[] output, float[]? y) =>
            (_kind, _forward, _in, _out, _y) = (kind, forward, input, output, y ?? []);

        public override void Run(int start, int end)
        {
            int n = end - start;
            var x = _in.AsSpan(start, n);
            var o = _out.AsSpan(start, n);
            if (_forward)
            {
                switch (_kind)
                {
                    case ActivationKind.Relu: TensorPrimitives.Max(x, 0f, o); break;
                    case ActivationKind.Tanh: TensorPrimitives.Tanh(x, o); break;
                    case ActivationKind.Sigmoid: TensorPrimitives.Sigmoid(x, o); break;
                    default: x.CopyTo(o); break;
                }
                return;
            }
            var dy = x;
            var y = _y.AsSpan(start, n);
            switch (_kind)
            {
                case ActivationKind.Relu: ReluBackward(y, dy, o); break;
                case ActivationKind.Tanh:
                    // dx = dy · (1 − y²)
                    TensorPrimitives.Multiply(y, y, o);
                    TensorPrimitives.Subtract(1f, o, o);
                    TensorPrimitives.Multiply(dy, o, o);
                    break;
                case ActivationKind.Sigmoid:
                    // dx = dy · y · (1 − y)
                    TensorPrimitives.Subtract(1f, y, o);
                    TensorPrimitives.Multiply(y, o, o);
                    TensorPrimitives.Multiply(dy, o, o);
                    break;
                default: dy.CopyTo(o); break;
            }
        }
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
