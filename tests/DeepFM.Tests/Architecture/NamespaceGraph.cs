using Mono.Cecil;
using Mono.Cecil.Cil;

namespace DeepFM.Tests.Architecture;

/// <summary>
/// Which of an assembly's namespaces use which: an edge A → B for every type of A that names a type of B anywhere —
/// base type, interfaces, fields, properties, signatures, attributes, locals, and every type, method and field a
/// method body touches (read from the IL, so a dependency hidden in a body counts as much as one in a signature).
/// Namespaces are cut to their first segment under the root (<c>DeepFM.Data.Cache</c> counts as <c>Data</c>); the
/// root namespace itself is <c>(root)</c>.
/// </summary>
public sealed class NamespaceGraph
{
    private readonly Dictionary<string, Dictionary<string, SortedSet<string>>> _edges = new(StringComparer.Ordinal);

    /// <summary>Reads <paramref name="assemblyPath"/> and records the namespace edges among the types under <paramref name="root"/>.</summary>
    public NamespaceGraph(string assemblyPath, string root)
    {
        Root = root;
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        foreach (var type in module.GetTypes())
        {
            string? from = Area(type);
            if (from is null || type.Name == "<Module>") continue;
            foreach (var used in Uses(type))
            {
                string? to = Area(used);
                if (to is null || to == from) continue;
                if (!_edges.TryGetValue(from, out var targets)) _edges[from] = targets = new(StringComparer.Ordinal);
                if (!targets.TryGetValue(to, out var witnesses)) targets[to] = witnesses = new(StringComparer.Ordinal);
                witnesses.Add(type.FullName + " → " + used.FullName);
            }
        }
    }

    /// <summary>The root namespace the areas are cut under.</summary>
    public string Root { get; }

    /// <summary>The areas that have any type.</summary>
    public IEnumerable<string> Areas => _edges.Keys.Concat(_edges.Values.SelectMany(t => t.Keys)).Distinct().Order(StringComparer.Ordinal);

    /// <summary>Every edge, with the type pairs that make it.</summary>
    public IEnumerable<(string From, string To, IReadOnlyCollection<string> Witnesses)> Edges =>
        _edges.OrderBy(e => e.Key, StringComparer.Ordinal)
            .SelectMany(e => e.Value.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => (e.Key, t.Key, (IReadOnlyCollection<string>)t.Value)));

    /// <summary>The areas <paramref name="from"/> uses directly.</summary>
    public IEnumerable<string> Targets(string from) => _edges.TryGetValue(from, out var t) ? t.Keys : [];

    private string? Area(TypeReference type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        string ns = type.Namespace;
        if (ns == Root) return "(root)";
        if (!ns.StartsWith(Root + ".", StringComparison.Ordinal)) return null;
        string rest = ns[(Root.Length + 1)..];
        int dot = rest.IndexOf('.');
        return dot < 0 ? rest : rest[..dot];
    }

    private static IEnumerable<TypeReference> Uses(TypeDefinition type)
    {
        var found = new List<TypeReference>();
        void Add(TypeReference? t)
        {
            switch (t)
            {
                case null: return;
                case GenericInstanceType g:
                    Add(g.ElementType);
                    foreach (var a in g.GenericArguments) Add(a);
                    return;
                case TypeSpecification s:   // arrays, by-refs, pointers, modifiers
                    Add(s.ElementType);
                    return;
                case GenericParameter: return;
                default: found.Add(t); return;
            }
        }
        void AddAttributes(ICustomAttributeProvider p)
        {
            if (!p.HasCustomAttributes) return;
            foreach (var a in p.CustomAttributes) Add(a.AttributeType);
        }
        void AddMethod(MethodReference m)
        {
            Add(m.DeclaringType);
            Add(m.ReturnType);
            foreach (var p in m.Parameters) Add(p.ParameterType);
            if (m is GenericInstanceMethod gm) foreach (var a in gm.GenericArguments) Add(a);
        }

        Add(type.BaseType);
        AddAttributes(type);
        foreach (var i in type.Interfaces) Add(i.InterfaceType);
        foreach (var f in type.Fields) { Add(f.FieldType); AddAttributes(f); }
        foreach (var p in type.Properties) { Add(p.PropertyType); AddAttributes(p); }
        foreach (var e in type.Events) Add(e.EventType);
        foreach (var m in type.Methods)
        {
            AddMethod(m);
            AddAttributes(m);
            foreach (var o in m.Overrides) AddMethod(o);
            if (!m.HasBody) continue;
            foreach (var v in m.Body.Variables) Add(v.VariableType);
            foreach (var h in m.Body.ExceptionHandlers) Add(h.CatchType);
            foreach (var instruction in m.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t: Add(t); break;
                    case MethodReference mr: AddMethod(mr); break;
                    case FieldReference fr: Add(fr.DeclaringType); Add(fr.FieldType); break;
                    case CallSite cs: Add(cs.ReturnType); foreach (var p in cs.Parameters) Add(p.ParameterType); break;
                }
            }
        }
        return found;
    }
}
