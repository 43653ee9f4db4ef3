namespace DeepFM.Engine;

/// <summary>
/// A node of a model, in the manner of Torch's <c>nn.Module</c>: it owns parameters and child modules. It keeps no
/// per-call state: activations, and whether a pass trains or evaluates, belong to the caller's <see cref="Workspace"/>,
/// so one module can serve several callers at once.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Parameter Parameter)> _parameters = [];
    private readonly List<(string Name, Module Module)> _children = [];

    /// <summary>Creates and registers a parameter owned by this module.</summary>
    protected Parameter AddParameter(string name, int rows, int cols, bool sparse = false, bool trainable = true)
    {
        var p = new Parameter(name, rows, cols, sparse, trainable);
        _parameters.Add((name, p));
        return p;
    }

    /// <summary>Registers a child module under a name; returns it for chaining.</summary>
    protected T AddModule<T>(string name, T child) where T : Module
    {
        _children.Add((name, child));
        return child;
    }

    /// <summary>All parameters of this module and its descendants, depth first, with dotted names
    /// (<c>dnn.layers.0.weight</c>). The order is stable and defines the model file's layout.</summary>
    public IReadOnlyList<Parameter> Parameters()
    {
        var list = new List<Parameter>();
        Collect(prefix: "", list);
        return list;
    }

    private void Collect(string prefix, List<Parameter> into)
    {
        foreach (var (name, p) in _parameters)
        {
            p.Name = prefix + name;
            into.Add(p);
        }
        foreach (var (name, child) in _children) child.Collect(prefix + name + ".", into);
    }

    /// <summary>Number of learned scalars (buffers excluded).</summary>
    public long ParameterCount() => Parameters().Where(p => p.IsTrainable).Sum(p => p.Count);
}
