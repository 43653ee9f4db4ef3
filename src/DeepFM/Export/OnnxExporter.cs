using System.Globalization;
using System.Text.Json;
using DeepFM.Export.Proto;
using DeepFM.Models;
using DeepFM.Serialization;
using Google.Protobuf;

namespace DeepFM.Export;

/// <summary>
/// Writes a model as an ONNX inference graph (opset <see cref="Opset"/>, IR version <see cref="IrVersion"/>), so it can
/// be served by ONNX Runtime or any other ONNX engine.
/// <list type="bullet">
/// <item>Inputs: <c>ids</c> int64 <c>[N, m]</c> (global feature ids, as the model's <see cref="Data.Batch"/> carries
/// them: the feature map's encoding of a raw row) and <c>values</c> float <c>[N, m]</c> (1 for categorical fields).</item>
/// <item>Outputs: <c>probability</c> float <c>[N, 1]</c> (the click probability, as <see cref="Training.Predictor"/>
/// gives it) and <c>logit</c> float <c>[N, 1]</c>.</item>
/// </list>
/// The graph is the model's evaluation-mode forward pass: dropout is left out and batch normalisation uses the
/// running statistics. Each model and layer contributes its own fragment (<see cref="CtrModel.ToOnnx"/>).
/// </summary>
public static class OnnxExporter
{
    /// <summary>ONNX operator-set version of the default domain the graph uses.</summary>
    public const int Opset = 17;

    /// <summary>ONNX IR version written (8 goes with opsets up to 18).</summary>
    public const int IrVersion = 8;

    /// <summary>Name of the probability output.</summary>
    public const string ProbabilityOutput = "probability";

    /// <summary>Name of the logit output.</summary>
    public const string LogitOutput = "logit";

    /// <summary>Serialises <paramref name="model"/> as an ONNX model with <c>ids</c>/<c>values</c> inputs.</summary>
    public static byte[] ToBytes(CtrModel model) => Build(model, null, OnnxInputs.Ids).ToByteArray();

    /// <summary>Serialises a saved model (with its file metadata) as an ONNX model taking <paramref name="inputs"/>.</summary>
    public static byte[] ToBytes(SavedModel saved, OnnxInputs inputs = OnnxInputs.Ids)
    {
        ArgumentNullException.ThrowIfNull(saved);
        saved.RequireSingleValuedFields("ONNX export");
        ArgumentNullException.ThrowIfNull(saved);
        return Build(saved.Model, saved, inputs).ToByteArray();
    }

    /// <summary>Exports a saved model to <paramref name="path"/>, atomically (temporary file, then rename).</summary>
    public static void Export(SavedModel saved, string path, OnnxInputs inputs = OnnxInputs.Ids)
    {
        ArgumentNullException.ThrowIfNull(saved);
        var bytes = ToBytes(saved, inputs);
        DeepFM.IO.TempFiles.RemoveStale(path);
        string tmp = DeepFM.IO.TempFiles.NewPath(path);
        try
        {
            File.WriteAllBytes(tmp, bytes);
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { }
            throw;
        }
    }

    internal static ModelProto Build(CtrModel model, SavedModel? saved, OnnxInputs inputs = OnnxInputs.Ids)
    {
        ArgumentNullException.ThrowIfNull(model);
        // Initializers are raw little-endian float32; every platform .NET runs on is little-endian, but say so if not.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX export needs a little-endian machine.");
        // Parameters() assigns the dotted names the initializers are stored under.
        _ = model.Parameters();
        var graph = new OnnxGraph(model.Space.FieldCount, declareInputs: inputs == OnnxInputs.Ids);
        if (inputs == OnnxInputs.Raw)
        {
            var map = saved?.FeatureMap ?? throw new ArgumentException("Raw inputs need the model's feature map (a SavedModel).", nameof(saved));
            if (map.FieldCount != model.Space.FieldCount || map.FeatureCount != model.Space.FeatureCount)
                throw new ArgumentException("The feature map does not match the model's input shape.", nameof(saved));
            OnnxRawInputs.Build(graph, map);
        }
        string logit = model.ToOnnx(graph);
        string probability = graph.Node("Sigmoid", [logit], "sigmoid");
        graph.Output(probability, ProbabilityOutput, 1);
        graph.Output(logit, LogitOutput, 1);

        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "DeepFM for .NET",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0",
            Domain = "deepfm",
            ModelVersion = 1,
            DocString = $"{ModelRegistry.Canonical(model.Config.Model)}: {ModelRegistry.Describe(model.Config.Model)}. "
                + (inputs == OnnxInputs.Raw
                    ? "Inputs: one [N, 1] tensor per field, named after it (string for categorical fields, double for numeric ones, NaN = missing); "
                    : "Inputs ids (int64 [N, m], global feature ids from the model's feature map) and values (float [N, m]); ")
                + "outputs probability and logit (float [N, 1]).",
            Graph = graph.Proto,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        if (inputs == OnnxInputs.Raw) proto.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxRawInputs.MlDomain, Version = OnnxRawInputs.MlOpset });
        // Enough to recognise the model and rebuild its inputs: which network, its settings, and the input shape.
        Meta(proto, "model", ModelRegistry.Canonical(model.Config.Model));
        Meta(proto, "config", JsonSerializer.Serialize(model.Config, ModelFile.Json));
        Meta(proto, "inputs", inputs == OnnxInputs.Raw ? "raw" : "ids");
        Meta(proto, "field_count", model.Space.FieldCount.ToString(CultureInfo.InvariantCulture));
        Meta(proto, "feature_count", model.Space.FeatureCount.ToString(CultureInfo.InvariantCulture));
        if (saved is not null)
        {
            Meta(proto, "feature_map_hash", saved.FeatureMap.Hash.ToString("x16", CultureInfo.InvariantCulture));
            Meta(proto, "valid_auc", saved.Metadata.ValidAuc.ToString("R", CultureInfo.InvariantCulture));
            Meta(proto, "created_utc", saved.Metadata.CreatedUtc);
        }
        return proto;
    }

    private static void Meta(ModelProto proto, string key, string value) =>
        proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
}
