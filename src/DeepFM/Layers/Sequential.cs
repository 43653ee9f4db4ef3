using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>Layers applied in order; backward runs them in reverse.</summary>
public sealed class Sequential : Layer
{
    private readonly List<Layer> _layers = [];

    /// <summary>Appends a layer.</summary>
    public Sequential Add(Layer layer)
    {
        AddModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    /// <summary>The layers, in forward order.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        var x = input;
        foreach (var layer in _layers) x = layer.Forward(x, ws);
        return x;
    }

    /// <inheritdoc />
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        var x = input;
        foreach (var layer in _layers) x = layer.ToOnnx(graph, x);
        return x;
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var g = gradOutput;
        for (int i = _layers.Count - 1; i >= 0; i--) g = _layers[i].Backward(g, ws);
        return g;
    }
}
