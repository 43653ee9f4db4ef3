namespace DeepFM.Engine;

/// <summary>An ONNX node attribute of the few kinds the exporter writes: what a module's <see cref="Layer.ToOnnx"/>
/// passes to <see cref="IOnnxGraph.Node"/>. Plain values here; the exporter turns them into protobuf.</summary>
public readonly struct OnnxAttribute
{
    private OnnxAttribute(string name, long? i, long[]? ints, float? f, string[]? strings = null, object? tensor = null)
    {
        Name = name;
        IntValue = i;
        IntsValue = ints;
        FloatValue = f;
        StringsValue = strings;
        TensorValue = tensor;
    }

    /// <summary>Attribute name, e.g. <c>axis</c>.</summary>
    public string Name { get; }

    /// <summary>The value of an integer attribute.</summary>
    public long? IntValue { get; }

    /// <summary>The value of an integer-list attribute.</summary>
    public IReadOnlyList<long>? IntsValue { get; }

    /// <summary>The value of a float attribute.</summary>
    public float? FloatValue { get; }

    /// <summary>The value of a string-list attribute.</summary>
    public IReadOnlyList<string>? StringsValue { get; }

    /// <summary>A tensor attribute's value: the exporter's own protobuf tensor, carried here unopened so that the
    /// engine does not depend on the ONNX protobuf classes.</summary>
    internal object? TensorValue { get; }

    /// <summary>An integer attribute.</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, value, null, null);

    /// <summary>An integer-list attribute.</summary>
    public static OnnxAttribute Ints(string name, params long[] values) => new(name, null, values, null);

    /// <summary>A float attribute.</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, null, null, value);

    /// <summary>A string-list attribute (UTF-8).</summary>
    public static OnnxAttribute Strings(string name, params string[] values) => new(name, null, null, null, values);

    /// <summary>A tensor attribute (the exporter's protobuf tensor).</summary>
    internal static OnnxAttribute Tensor(string name, object value) => new(name, null, null, null, null, value);
}
