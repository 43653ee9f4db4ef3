namespace DeepFM.Engine;

/// <summary>
/// An ONNX inference graph under construction, as modules see it: each module's <see cref="Layer.ToOnnx"/> takes
/// the names of its input values, appends its nodes and returns the name of its output, so an export reads like the
/// module's <c>Forward</c>. Values are named by strings; the graph's model inputs are <see cref="Ids"/> (int64
/// <c>[N, m]</c>, global feature ids) and <see cref="Values"/> (float <c>[N, m]</c>), N symbolic. The exporter's
/// <c>Export.OnnxGraph</c> implements it; the interface lives here so that layers and models need nothing above them.
/// </summary>
public interface IOnnxGraph
{
    /// <summary>Number of fields m.</summary>
    int FieldCount { get; }

    /// <summary>The feature ids the model reads (int64 <c>[N, m]</c>).</summary>
    string Ids { get; }

    /// <summary>The feature values the model reads (float <c>[N, m]</c>).</summary>
    string Values { get; }

    /// <summary>The values as <c>[N, m, 1]</c>, ready to scale gathered <c>[N, m, k]</c> embeddings (built once, shared).</summary>
    string ValuesColumn { get; }

    /// <summary>Adds a parameter's values as an initializer named after the parameter, shaped <paramref name="dims"/>
    /// (default <c>[Rows, Cols]</c>); a parameter used twice is stored once.</summary>
    string Parameter(Parameter parameter, params long[] dims);

    /// <summary>Adds an int64 constant of shape <paramref name="dims"/> (default 1-D); returns its name.</summary>
    string Constant(string hint, long[] values, long[]? dims = null);

    /// <summary>Adds a float constant of shape <paramref name="dims"/>; returns its name.</summary>
    string Constant(string hint, float[] values, long[] dims);

    /// <summary>Appends a node of the default ONNX domain with one output named after <paramref name="hint"/> (made
    /// unique); returns the output's name.</summary>
    string Node(string opType, string[] inputs, string hint, params OnnxAttribute[] attributes);

    /// <summary>Element-wise (broadcasting) sum <c>a + b</c>.</summary>
    string Add(string a, string b, string hint);

    /// <summary>Element-wise (broadcasting) product <c>a · b</c>.</summary>
    string Mul(string a, string b, string hint);

    /// <summary>Sum over <paramref name="axes"/>, keeping them as size-1 axes if <paramref name="keepDims"/>.</summary>
    string ReduceSum(string input, long[] axes, bool keepDims, string hint);

    /// <summary>Picks the slices <paramref name="indices"/> (a constant) along <paramref name="axis"/>.</summary>
    string Gather(string input, long[] indices, int axis, string hint);

    /// <summary><c>[N, d1, d2, …] → [N, d1·d2·…]</c>.</summary>
    string Flatten(string input, string hint);

    /// <summary><c>[N, m·k] → [N, m, k]</c>, the per-field view the interaction layers work on.</summary>
    string SplitFields(string input, int fields, int dim, string hint);
}
