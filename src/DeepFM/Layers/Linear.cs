using System.Numerics.Tensors;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>Fully connected layer <c>y = x·W + b</c>, with <c>W</c> stored <c>in × out</c> so the forward pass and both
/// gradients are plain (NN, NT, TN) matrix products.</summary>
public sealed class Linear : Layer
{
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
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        if (input.Cols != Inputs) throw new ArgumentException($"Linear expects {Inputs} inputs, got {input.Cols}.");
        var state = ws.State<State>(this);
        state.Input = input;
        int b = input.Rows;
        state.Output.Reshape(b, Outputs);
        var y = state.Output.Span;
        state.BiasJob.Set(broadcast: true, Bias.Value, state.Output.Buffer, b, Outputs);
        ws.Compute.For(b, RowsPerPart, state.BiasJob);
        Gemm.Multiply(ws.Compute, false, false, b, Outputs, Inputs, input.Span, Inputs, Weight.Value, Outputs, y, Outputs, accumulate: true);
        return state.Output;
    }

    /// <summary>What one workspace keeps: the input (for <c>dW</c>), the output and the input gradient.</summary>
    private sealed class State
    {
        public Matrix? Input;
        public readonly Matrix Output = new();
        public readonly Matrix GradInput = new();
        public readonly BiasJob BiasJob = new();
    }

    /// <inheritdoc />
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        // Node names follow the parameter names (dnn.0.weight → dnn.0.matmul), so the graph reads like the model file.
        string prefix = Weight.Name.EndsWith(".weight", StringComparison.Ordinal) ? Weight.Name[..^".weight".Length] : "linear";
        string product = graph.Node("MatMul", [input, graph.Parameter(Weight)], prefix + ".matmul");
        return graph.Add(product, graph.Parameter(Bias, Outputs), prefix + ".add");
    }

    private int RowsPerPart => Math.Max(1, Activation.ParallelMinElements / Outputs);

    /// <summary>Forward: copies the bias into rows <c>[start, end)</c> of the output. Backward: adds the column sums of
    /// <c>dy</c> into the bias gradient for column blocks <c>[start, end)</c>.</summary>
    private sealed class BiasJob : RangeJob
    {
        public const int Block = 16;
        private bool _broadcast;
        private float[] _bias = [], _matrix = [];
        private int _rows, _cols;

        public void Set(bool broadcast, float[] bias, float[] matrix, int rows, int cols) =>
            (_broadcast, _bias, _matrix, _rows, _cols) = (broadcast, bias, matrix, rows, cols);

        public override void Run(int start, int end)
        {
            var bias = _bias.AsSpan(0, _cols);
            if (_broadcast)
            {
                for (int r = start; r < end; r++) bias.CopyTo(_matrix.AsSpan(r * _cols, _cols));
                return;
            }
            int c0 = start * Block, c1 = Math.Min(_cols, end * Block);
            var db = bias[c0..c1];
            for (int r = 0; r < _rows; r++) TensorPrimitives.Add(db, _matrix.AsSpan(r * _cols + c0, c1 - c0), db);
        }
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var x = state.Input ?? throw new InvalidOperationException("Backward before Forward.");
        int b = x.Rows;
        var dy = gradOutput.Span;
        // dW += xᵀ·dy ; db += column sums of dy ; dx = dy·Wᵀ
        Gemm.Multiply(ws.Compute, true, false, Inputs, Outputs, b, x.Span, Inputs, dy, Outputs, Weight.Grad, Outputs, accumulate: true);
        // db += column sums of dy, split over column blocks: each sum still runs over the rows in order.
        state.BiasJob.Set(broadcast: false, Bias.Grad, gradOutput.Buffer, b, Outputs);
        int blocks = (Outputs + BiasJob.Block - 1) / BiasJob.Block;
        ws.Compute.For(blocks, (long)b * Outputs < Activation.ParallelMinElements ? blocks : 1, state.BiasJob);
        state.GradInput.Reshape(b, Inputs);
        Gemm.Multiply(ws.Compute, false, true, b, Inputs, Outputs, dy, Outputs, Weight.Value, Outputs, state.GradInput.Span, Inputs, accumulate: false);
        return state.GradInput;
    }
}
