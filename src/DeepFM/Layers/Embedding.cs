using System.Numerics.Tensors;
using DeepFM.Data;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// The embedding layer of the paper's Figure 4: field <c>j</c> of a row, with global feature id <c>i</c> and value
/// <c>x</c>, becomes <c>e_j = x·V_i</c> (k numbers); the output row is <c>[e_1, …, e_m]</c> (eq. 3), <c>B × m·k</c>.
/// With <c>k = 1</c> the same layer holds the order-1 weights <c>w_i</c>. The table is a sparse parameter: backward
/// writes only the rows in the batch.
/// </summary>
public sealed class Embedding : Module
{
    private readonly Matrix _output = new();
    private Batch? _batch;

    /// <summary>Creates a table of <paramref name="features"/> rows of size <paramref name="dim"/>, entries ~ N(0, σ²).</summary>
    public Embedding(int features, int dim, float initStd, Rng rng)
    {
        Dim = dim;
        Table = AddParameter("table", features, dim, sparse: true);
        var v = Table.Value;
        for (int i = 0; i < v.Length; i++) v[i] = (float)(rng.NextGaussian() * initStd);
    }

    /// <summary>Embedding size k.</summary>
    public int Dim { get; }

    /// <summary>The table V (features × k).</summary>
    public Parameter Table { get; }

    /// <summary>Looks up and scales the embeddings of every field of every row.</summary>
    public Matrix Forward(Batch batch)
    {
        _batch = batch;
        int b = batch.Size, m = batch.FieldCount, k = Dim;
        _output.Reshape(b, m * k);
        var ids = batch.Ids;
        var values = batch.Values;
        var table = Table.Value.AsSpan();
        var y = _output.Span;
        for (int i = 0; i < ids.Length; i++)
        {
            var row = table.Slice(ids[i] * k, k);
            var dst = y.Slice(i * k, k);
            float x = values[i];
            if (x == 1f) row.CopyTo(dst);
            else TensorPrimitives.Multiply(row, x, dst);
        }
        return _output;
    }

    /// <summary>Appends the lookup to <paramref name="graph"/>: Gather the rows of the graph's <c>ids</c>
    /// (<c>[N, m, k]</c>), scale each by its field's value, flatten to <c>[N, m·k]</c>; returns the output's name.</summary>
    public string ToOnnx(Export.OnnxGraph graph)
    {
        string prefix = Table.Name.EndsWith(".table", StringComparison.Ordinal) ? Table.Name[..^".table".Length] : "embedding";
        string rows = graph.Node("Gather", [graph.Parameter(Table), graph.Ids], prefix + ".lookup", Export.OnnxAttribute.Int("axis", 0));
        string scaled = graph.Mul(rows, graph.ValuesColumn, prefix + ".scaled");
        return graph.Flatten(scaled, prefix);
    }

    /// <summary>Adds <c>x·dL/de_j</c> to the gradient rows of the looked-up features and marks them touched.</summary>
    public void Backward(Matrix gradOutput)
    {
        var batch = _batch ?? throw new InvalidOperationException("Backward before Forward.");
        int k = Dim;
        var ids = batch.Ids;
        var values = batch.Values;
        var grad = Table.Grad.AsSpan();
        var g = gradOutput.Span;
        var touched = Table.Touched;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            touched?.Add(id);
            var dst = grad.Slice(id * k, k);
            var src = g.Slice(i * k, k);
            float x = values[i];
            if (x == 1f) TensorPrimitives.Add(dst, src, dst);
            else TensorPrimitives.MultiplyAdd(src, x, dst, dst);
        }
    }
}
