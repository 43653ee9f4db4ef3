using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace DeepFM.MLNet;

/// <summary>
/// The parts of ML.NET's model-zip machinery that custom code cannot reach through its public API, reached by
/// reflection. Why: a transformer that carries learned state must write it with <c>ModelSaveContext.SaveBinaryStream</c>
/// and be found again through a loader registered in the <see cref="ComponentCatalog"/> (normally a
/// <c>[LoadableClass]</c> assembly attribute); in ML.NET 5.0.1 those members and that attribute are internal, and
/// the public CustomMapping route saves no state at all. The member names used here are pinned to the Microsoft.ML
/// version in Directory.Packages.props; the MLNet tests round-trip a model through a zip to catch any change.
/// </summary>
internal static class MLNetInternals
{
    private const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
    private static readonly Assembly Core = typeof(ICanSaveModel).Assembly;
    private static readonly ConditionalWeakTable<ComponentCatalog, object> Registered = new();

    private static Type CoreType(string name) =>
        Core.GetType(name) ?? throw Incompatible($"type {name}");

    private static InvalidOperationException Incompatible(string what) =>
        new($"DeepFM.MLNet: this version of ML.NET ({Core.GetName().Version}) lacks {what}; DeepFM.MLNet is built for Microsoft.ML 5.0.1.");

    private static object? Call(object target, string name, params object?[] args)
    {
        var m = target.GetType().GetMethods(Any).FirstOrDefault(m => m.Name == name && !m.IsGenericMethod && m.GetParameters().Length == args.Length
                    && m.GetParameters().Select((p, i) => args[i] is null || p.ParameterType.IsInstanceOfType(args[i])).All(ok => ok))
                ?? throw Incompatible($"{target.GetType().Name}.{name}");
        try { return m.Invoke(target, args); }
        catch (TargetInvocationException e) when (e.InnerException is not null) { throw e.InnerException; }
    }

    /// <summary>ML.NET's <c>VersionInfo</c> of the DeepFM transformer: model signature, versions and loader name.</summary>
    private static object VersionInfo() =>
        Activator.CreateInstance(CoreType("Microsoft.ML.VersionInfo"), "DEEPFMXF", 0x00010001u, 0x00010001u, 0x00010001u,
            typeof(MLNetInternals).Assembly.FullName, DeepFMTransformer.LoaderSignature, null)!;

    /// <summary>Writes one binary stream for the model at the save context's current position.</summary>
    public static void SaveBinary(ModelSaveContext ctx, string streamName, Action<BinaryWriter> write)
    {
        Call(ctx, "CheckAtModel");
        Call(ctx, "SetVersionInfo", VersionInfo());
        Call(ctx, "SaveBinaryStream", streamName, write);
    }

    /// <summary>Reads the binary stream written by <see cref="SaveBinary"/> from a <c>ModelLoadContext</c>.</summary>
    public static void LoadBinary(object loadContext, string streamName, Action<BinaryReader> read)
    {
        Call(loadContext, "CheckAtModel", VersionInfo());
        if (Call(loadContext, "TryLoadBinaryStream", streamName, read) is not true)
            throw new InvalidOperationException($"DeepFM.MLNet: the model zip has no '{streamName}' stream for the DeepFM transformer.");
    }

    /// <summary>
    /// Registers the DeepFM transformer's loader in <paramref name="catalog"/> (once per catalog): what a
    /// <c>[LoadableClass(typeof(DeepFMTransformer), …, typeof(SignatureLoadModel), …)]</c> attribute would do.
    /// </summary>
    public static void Register(ComponentCatalog catalog)
    {
        lock (Registered)
        {
            if (Registered.TryGetValue(catalog, out _)) return;
            var attrType = CoreType("Microsoft.ML.LoadableClassAttribute");
            var ctor = attrType.GetConstructor([typeof(Type), typeof(Type), typeof(Type), typeof(Type), typeof(string), typeof(string[])])
                       ?? throw Incompatible("LoadableClassAttribute(Type, Type, Type, Type, string, string[])");
            string[] loadNames = [DeepFMTransformer.LoaderSignature];
            object attr = ctor.Invoke([typeof(DeepFMTransformer), typeof(DeepFMTransformer), null, CoreType("Microsoft.ML.SignatureLoadModel"),
                "DeepFM Transformer", loadNames]);
            var infoType = typeof(ComponentCatalog).GetNestedType("LoadableClassInfo", Any) ?? throw Incompatible("ComponentCatalog.LoadableClassInfo");
            // The loader takes the (internal) ModelLoadContext as object: the catalog invokes it through MethodInfo.Invoke,
            // so the parameter type only has to accept the argument.
            var create = typeof(DeepFMTransformer).GetMethod(nameof(DeepFMTransformer.CreateFromModelContext), Any)!;
            var infoCtor = infoType.GetConstructors(Any).FirstOrDefault(c => c.GetParameters().Length == 5) ?? throw Incompatible("LoadableClassInfo constructor");
            object info = infoCtor.Invoke([attr, null, null, create, true]);
            var add = typeof(ComponentCatalog).GetMethod("AddClass", Any) ?? throw Incompatible("ComponentCatalog.AddClass");
            try { add.Invoke(catalog, [info, loadNames, true]); }
            catch (TargetInvocationException e) when (e.InnerException is not null) { throw e.InnerException; }
            Registered.Add(catalog, new object());
        }
    }

    /// <summary>ML.NET's (internal) <c>SchemaShape.Create</c>: the shape of a schema.</summary>
    public static SchemaShape ShapeOf(DataViewSchema schema)
    {
        var create = typeof(SchemaShape).GetMethod("Create", Any, [typeof(DataViewSchema)]) ?? throw Incompatible("SchemaShape.Create");
        return (SchemaShape)create.Invoke(null, [schema])!;
    }

    /// <summary>The host environment behind a catalog such as <c>mlContext.BinaryClassification.Trainers</c>.</summary>
    public static IHostEnvironment EnvironmentOf(object catalog)
    {
        var prop = catalog.GetType().GetInterfaces().Select(i => i.GetProperty("Environment", Any))
                       .FirstOrDefault(p => p is not null && typeof(IHostEnvironment).IsAssignableFrom(p.PropertyType))
                   ?? throw Incompatible("IInternalCatalog.Environment");
        return (IHostEnvironment)prop.GetValue(catalog)!;
    }
}
