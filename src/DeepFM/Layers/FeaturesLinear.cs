using DeepFM.Data;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// The order-1 term of the FM component (the paper's "Addition unit", eq. 2): <c>⟨w, x⟩ + b = Σ_j w_{i_j}·x_j + b</c>,
/// one number per row. The bias is the constant offset the paper omits "for simplicity".
/// </summary>
public sealed class FeaturesLinear : Module
{
    private readonly Embedding _weights;

    /// <summary>Creates the term with weights ~ N(0, σ²) and zero bias.</summary>
    public FeaturesLinear(int features, float initStd, Rng rng, bool bias = true)
    {
        _weights = AddModule("w", new Embedding(features, 1, initStd, rng));
        if (bias) Bias = AddParameter("bias", 1, 1);
    }

    /// <summary>The weights w (features × 1).</summary>
    public Parameter Weights => _weights.Table;

    /// <summary>The global bias, if any.</summary>
    public Parameter? Bias { get; }

    /// <summary>Computes <c>B × 1</c> order-1 logits.</summary>
    public Matrix Forward(Batch batch, Workspace ws)
    {
        var state = ws.State<State>(this);
        var e = _weights.Forward(batch, ws);
        int b = batch.Size, m = batch.FieldCount;
        state.Fields = m;
        state.Output.Reshape(b, 1);
        float bias = Bias?.Value[0] ?? 0f;
        var src = e.Span;
        var y = state.Output.Span;
        for (int r = 0; r < b; r++) y[r] = System.Numerics.Tensors.TensorPrimitives.Sum(src.Slice(r * m, m)) + bias;
        return state.Output;
    }

    /// <summary>What one workspace keeps: the field count of the last batch and the two outputs.</summary>
    private sealed class State
    {
        public int Fields;
        public readonly Matrix Output = new();
        public readonly Matrix GradWeights = new();
    }

    /// <summary>Appends <c>Σ_j w_{i_j}·x_j + b</c> to <paramref name="graph"/> (<c>[N, 1]</c>); returns the output's name.</summary>
    public string ToOnnx(IOnnxGraph graph)
    {
        string terms = _weights.ToOnnx(graph);                                    // [N, m] (k = 1)
        string prefix = Weights.Name.EndsWith(".w.table", StringComparison.Ordinal) ? Weights.Name[..^".w.table".Length] : "linear";
        string sum = graph.ReduceSum(terms, [1], keepDims: true, prefix + ".sum");
        return Bias is null ? sum : graph.Add(sum, graph.Parameter(Bias, 1), prefix);
    }

    /// <summary>Back-propagates <c>dL/dy</c> (<c>B × 1</c>).</summary>
    public void Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        int b = gradOutput.Rows, m = state.Fields;
        var g = gradOutput.Span;
        state.GradWeights.Reshape(b, m);
        var dw = state.GradWeights.Span;
        float sum = 0;
        for (int r = 0; r < b; r++)
        {
            dw.Slice(r * m, m).Fill(g[r]);
            sum += g[r];
        }
        if (Bias is { } bias) bias.Grad[0] += sum;
        _weights.Backward(state.GradWeights, ws);
    }
}
