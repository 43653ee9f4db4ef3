using System.Runtime.InteropServices;
using DeepFM.Engine;
using DeepFM.Export.Proto;
using Google.Protobuf;

namespace DeepFM.Export;

/// <summary>
/// An ONNX inference graph under construction. Models and layers append their own fragments to it
/// (<see cref="Models.CtrModel.ToOnnx"/>, <see cref="Engine.Layer.ToOnnx"/>, through <see cref="IOnnxGraph"/>): each takes the names of its input
/// values and returns the name of its output, so a model's export reads like its <c>Forward</c>.
/// The graph's inputs are <see cref="Ids"/> (int64 <c>[N, m]</c>, global feature ids as a <see cref="Data.Batch"/>
/// carries them) and <see cref="Values"/> (float <c>[N, m]</c>); N is symbolic.
/// </summary>
public sealed class OnnxGraph : IOnnxGraph
{
    /// <summary>Name of the int64 <c>[N, m]</c> feature-id input.</summary>
    public const string IdsName = "ids";

    /// <summary>Name of the float <c>[N, m]</c> feature-value input.</summary>
    public const string ValuesName = "values";

    private readonly GraphProto _graph = new() { Name = "deepfm" };
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<Engine.Parameter, string> _parameters = [];
    private string? _valuesColumn;

    /// <summary>Creates a graph whose inputs are <see cref="IdsName"/> and <see cref="ValuesName"/>, with
    /// <paramref name="fieldCount"/> fields per row.</summary>
    public OnnxGraph(int fieldCount) : this(fieldCount, declareInputs: true) { }

    /// <summary>Creates a graph; without <paramref name="declareInputs"/> the caller declares its own inputs and computes
    /// <see cref="Ids"/> and <see cref="Values"/> from them (<see cref="SetModelInputs"/>) before any model fragment.</summary>
    internal OnnxGraph(int fieldCount, bool declareInputs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fieldCount);
        FieldCount = fieldCount;
        if (!declareInputs) return;
        Input(IdsName, TensorProto.Types.DataType.Int64, fieldCount);
        Input(ValuesName, TensorProto.Types.DataType.Float, fieldCount);
        SetModelInputs(IdsName, ValuesName);
    }

    /// <summary>Number of fields m.</summary>
    public int FieldCount { get; }

    /// <summary>The feature ids the model reads (int64 <c>[N, m]</c>): the graph input, or values computed from raw inputs.</summary>
    public string Ids { get; private set; } = "";

    /// <summary>The feature values the model reads (float <c>[N, m]</c>).</summary>
    public string Values { get; private set; } = "";

    /// <summary>Sets the values that play the model's ids and values inputs.</summary>
    internal void SetModelInputs(string ids, string values)
    {
        Ids = ids;
        Values = values;
    }

    /// <summary>Declares a <c>[N, cols]</c> graph input under the exact name <paramref name="name"/>.</summary>
    internal string Input(string name, TensorProto.Types.DataType type, int cols)
    {
        if (!_names.Add(name)) throw new UserInputException($"ONNX export: two graph values would be named '{name}'.");
        _graph.Input.Add(TensorValue(name, type, "N", cols));
        return name;
    }

    /// <summary>The values as <c>[N, m, 1]</c>, ready to scale gathered <c>[N, m, k]</c> embeddings. Built on first use
    /// and shared by every embedding table of the model.</summary>
    public string ValuesColumn => _valuesColumn ??= Node("Unsqueeze", [Values, Constant("axes_2", [2])], "values_column");

    /// <summary>Number of nodes so far.</summary>
    public int NodeCount => _graph.Node.Count;

    /// <summary>
    /// Adds a parameter's values as an initializer named after the parameter (its dotted name, e.g.
    /// <c>dnn.0.weight</c>), shaped <paramref name="dims"/> (default <c>[Rows, Cols]</c>). A parameter used twice is
    /// stored once; asking for it again with other dims is an error.
    /// </summary>
    public string Parameter(Engine.Parameter parameter, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (dims.Length == 0) dims = [parameter.Rows, parameter.Cols];
        if (dims.Aggregate(1L, (a, d) => a * d) != parameter.Count)
            throw new ArgumentException($"Parameter '{parameter.Name}' has {parameter.Count} values, not [{string.Join(", ", dims)}].", nameof(dims));
        if (_parameters.TryGetValue(parameter, out var existing))
        {
            var stored = _graph.Initializer.First(t => t.Name == existing).Dims;
            if (!stored.SequenceEqual(dims)) throw new ArgumentException($"Parameter '{parameter.Name}' already exported with another shape.", nameof(dims));
            return existing;
        }
        string name = Unique(string.IsNullOrEmpty(parameter.Name) ? "param" : parameter.Name);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        // raw_data (little-endian float32) rather than float_data: no per-element encoding of large embedding tables.
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(parameter.Value.AsSpan()));
        _graph.Initializer.Add(tensor);
        _parameters[parameter] = name;
        return name;
    }

    /// <summary>Adds an int64 constant (an initializer) of shape <paramref name="dims"/> (default 1-D); returns its name.</summary>
    public string Constant(string hint, long[] values, long[]? dims = null)
    {
        string name = Unique(hint);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims ?? [values.Length]);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a float constant (an initializer) of shape <paramref name="dims"/>; returns its name.</summary>
    public string Constant(string hint, float[] values, long[] dims)
    {
        string name = Unique(hint);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Appends a node of the default ONNX domain with one output, named after <paramref name="hint"/>
    /// (made unique); returns the output's name.</summary>
    public string Node(string opType, string[] inputs, string hint, params OnnxAttribute[] attributes) =>
        NodeIn("", opType, inputs, hint, attributes);

    /// <summary>Appends a node of operator domain <paramref name="domain"/> (e.g. <c>ai.onnx.ml</c>, which the exporter
    /// then imports); returns its output's name.</summary>
    internal string NodeIn(string domain, string opType, string[] inputs, string hint, params OnnxAttribute[] attributes)
    {
        string output = Unique(hint);
        var node = new NodeProto { OpType = opType, Name = output, Domain = domain };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach (var a in attributes) node.Attribute.Add(ToProto(a));
        _graph.Node.Add(node);
        return output;
    }

    /// <summary>Element-wise (broadcasting) sum <c>a + b</c>.</summary>
    public string Add(string a, string b, string hint) => Node("Add", [a, b], hint);

    /// <summary>Element-wise (broadcasting) product <c>a · b</c>.</summary>
    public string Mul(string a, string b, string hint) => Node("Mul", [a, b], hint);

    /// <summary>Sum over <paramref name="axes"/>, keeping them as size-1 axes if <paramref name="keepDims"/>.</summary>
    public string ReduceSum(string input, long[] axes, bool keepDims, string hint) =>
        // Since opset 13 the axes are an input tensor, not an attribute.
        Node("ReduceSum", [input, Constant(hint + "_axes", axes)], hint, OnnxAttribute.Int("keepdims", keepDims ? 1 : 0));

    /// <summary>Picks the slices <paramref name="indices"/> (a constant) along <paramref name="axis"/>.</summary>
    public string Gather(string input, long[] indices, int axis, string hint) =>
        Node("Gather", [input, Constant(hint + "_indices", indices)], hint, OnnxAttribute.Int("axis", axis));

    /// <summary><c>[N, d1, d2, …] → [N, d1·d2·…]</c>.</summary>
    public string Flatten(string input, string hint) => Node("Flatten", [input], hint, OnnxAttribute.Int("axis", 1));

    /// <summary><c>[N, m·k] → [N, m, k]</c>, the per-field view the interaction layers work on.</summary>
    public string SplitFields(string input, int fields, int dim, string hint) =>
        // 0 copies N from the input, so the graph works for any batch size, including an empty one.
        Node("Reshape", [input, Constant(hint + "_shape", [0, fields, dim])], hint);

    /// <summary>Adds a float64 constant (an initializer) of shape <paramref name="dims"/>; returns its name.</summary>
    internal string Constant(string hint, double[] values, long[] dims)
    {
        string name = Unique(hint);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Double };
        tensor.Dims.AddRange(dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Declares a float <c>[N, cols]</c> graph output computed by <paramref name="value"/>, under the exact
    /// name <paramref name="name"/> (an Identity node renames it).</summary>
    internal void Output(string value, string name, int cols)
    {
        if (!_names.Add(name)) throw new UserInputException($"ONNX export: the output '{name}' would have the name of another graph value (a field named '{name}'?).");
        var node = new NodeProto { OpType = "Identity", Name = name };
        node.Input.Add(value);
        node.Output.Add(name);
        _graph.Node.Add(node);
        _graph.Output.Add(TensorValue(name, TensorProto.Types.DataType.Float, "N", cols));
    }

    internal GraphProto Proto => _graph;

    private static AttributeProto ToProto(OnnxAttribute attribute)
    {
        var a = new AttributeProto { Name = attribute.Name };
        if (attribute.IntValue is { } i) { a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; }
        else if (attribute.IntsValue is { } ints) { a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ints); }
        else if (attribute.FloatValue is { } f) { a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; }
        else if (attribute.StringsValue is { } strings) { a.Type = AttributeProto.Types.AttributeType.Strings; a.Strings.AddRange(strings.Select(ByteString.CopyFromUtf8)); }
        else if (attribute.TensorValue is TensorProto tensor) { a.Type = AttributeProto.Types.AttributeType.Tensor; a.T = tensor; }
        else throw new InvalidOperationException($"Attribute '{attribute.Name}' has no value.");
        return a;
    }

    private string Unique(string hint)
    {
        if (_names.Add(hint)) return hint;
        for (int i = 2; ; i++)
        {
            string name = hint + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (_names.Add(name)) return name;
        }
    }

    private static ValueInfoProto TensorValue(string name, TensorProto.Types.DataType type, string rows, int cols)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = rows });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = cols });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
