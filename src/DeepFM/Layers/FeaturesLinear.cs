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
    private readonly Matrix _output = new();
    private readonly Matrix _gradWeights = new();

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
    public Matrix Forward(Batch batch)
    {
        var e = _weights.Forward(batch);
        int b = batch.Size, m = batch.FieldCount;
        _fields = m;
        _output.Reshape(b, 1);
        float bias = Bias?.Value[0] ?? 0f;
        var src = e.Span;
        var y = _output.Span;
        for (int r = 0; r < b; r++) y[r] = System.Numerics.Tensors.TensorPrimitives.Sum(src.Slice(r * m, m)) + bias;
        return _output;
    }

    /// <summary>Appends <c>Σ_j w_{i_j}·x_j + b</c> to <paramref name="graph"/> (<c>[N, 1]</c>); returns the output's name.</summary>
    public string ToOnnx(Export.OnnxGraph graph)
    {
        string terms = _weights.ToOnnx(graph);                                    // [N, m] (k = 1)
        string prefix = Weights.Name.EndsWith(".w.table", StringComparison.Ordinal) ? Weights.Name[..^".w.table".Length] : "linear";
        string sum = graph.ReduceSum(terms, [1], keepDims: true, prefix + ".sum");
        return Bias is null ? sum : graph.Add(sum, graph.Parameter(Bias, 1), prefix);
    }

    /// <summary>Back-propagates <c>dL/dy</c> (<c>B × 1</c>).</summary>
    public void Backward(Matrix gradOutput)
    {
        int b = gradOutput.Rows, m = _fields;
        var g = gradOutput.Span;
        _gradWeights.Reshape(b, m);
        var dw = _gradWeights.Span;
        float sum = 0;
        for (int r = 0; r < b; r++)
        {
            dw.Slice(r * m, m).Fill(g[r]);
            sum += g[r];
        }
        if (Bias is { } bias) bias.Grad[0] += sum;
        _weights.Backward(_gradWeights);
    }

    private int _fields;
}
