using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>Two matrices of the same rows side by side, <c>[a, b]</c> (<c>B × (d_a + d_b)</c>), and the split of the
/// gradient back into its two parts. Not a <see cref="Layer"/>: it takes two inputs and returns two gradients.</summary>
public sealed class Concatenation : Module
{
    /// <summary><c>[a, b]</c>, row by row.</summary>
    public Matrix Forward(Matrix a, Matrix b, Workspace ws)
    {
        if (a.Rows != b.Rows) throw new ArgumentException($"Concatenation of {a.Rows} and {b.Rows} rows.");
        var state = ws.State<State>(this);
        int rows = a.Rows, da = a.Cols, db = b.Cols, d = da + db;
        (state.LeftCols, state.RightCols) = (da, db);
        var y = state.Output.Reshape(rows, d).Span;
        var sa = a.Span;
        var sb = b.Span;
        for (int r = 0; r < rows; r++)
        {
            sa.Slice(r * da, da).CopyTo(y.Slice(r * d, da));
            sb.Slice(r * db, db).CopyTo(y.Slice(r * d + da, db));
        }
        return state.Output;
    }

    /// <summary>The gradient's two parts, <c>∂a</c> and <c>∂b</c>.</summary>
    public (Matrix Left, Matrix Right) Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        int rows = gradOutput.Rows, da = state.LeftCols, db = state.RightCols, d = da + db;
        var g = gradOutput.Span;
        var ga = state.GradLeft.Reshape(rows, da).Span;
        var gb = state.GradRight.Reshape(rows, db).Span;
        for (int r = 0; r < rows; r++)
        {
            g.Slice(r * d, da).CopyTo(ga.Slice(r * da, da));
            g.Slice(r * d + da, db).CopyTo(gb.Slice(r * db, db));
        }
        return (state.GradLeft, state.GradRight);
    }

    /// <summary>ONNX Concat on axis 1.</summary>
    public static string ToOnnx(IOnnxGraph graph, string a, string b, string hint) => graph.Node("Concat", [a, b], hint, OnnxAttribute.Int("axis", 1));

    /// <summary>What one workspace keeps: the widths and the buffers.</summary>
    private sealed class State
    {
        public int LeftCols, RightCols;
        public readonly Matrix Output = new(), GradLeft = new(), GradRight = new();
    }
}
