using System.CommandLine;
using System.Globalization;
using DeepFM.Export;
using DeepFM.Serialization;

namespace DeepFM.Cli.Commands;

/// <summary><c>deepfm export</c>: writes a saved model in a format other runtimes serve (ONNX).</summary>
internal static class ExportCommand
{
    public static Command Create(CliIO io)
    {
        var model = new Option<string>("--model") { Description = "Saved model (.dfm).", Required = true };
        var format = new Option<string>("--format") { Description = "Export format: onnx.", DefaultValueFactory = _ => "onnx" };
        var output = new Option<string?>("--out") { Description = "Output file (default: the model path with extension .onnx)." };
        var inputs = new Option<string>("--inputs")
        {
            Description = "Graph inputs: ids (ids int64 [N, m] and values float [N, m], encoded by the model's feature map) or raw (one [N, 1] input per field, named after it: string for categorical fields, double for numeric ones with NaN for missing; the vocabularies and numeric encoding are in the graph; criteo and csv models).",
            DefaultValueFactory = _ => "ids",
        };
        var command = new Command("export",
            "Export a saved model as an ONNX graph: inputs ids (int64 [N, m], the feature map's global ids) and values (float [N, m]); outputs probability and logit (float [N, 1]).")
        { model, format, output, inputs };
        command.SetAction(r =>
        {
            string name = r.GetValue(format) ?? "onnx";
            if (!string.Equals(name, "onnx", StringComparison.OrdinalIgnoreCase))
                throw new UserInputException($"--format must be onnx, not '{name}'.");
            var kind = (r.GetValue(inputs) ?? "ids").ToLowerInvariant() switch
            {
                "ids" => OnnxInputs.Ids,
                "raw" => OnnxInputs.Raw,
                var other => throw new UserInputException($"--inputs must be ids or raw, not '{other}'."),
            };
            string modelPath = r.GetValue(model)!;
            string outPath = r.GetValue(output) ?? Path.ChangeExtension(modelPath, ".onnx");
            OutputPaths.CheckFile("--out", outPath, ("--model", modelPath));
            var saved = ModelFile.Load(modelPath);
            try
            {
                OnnxExporter.Export(saved, outPath, kind);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new UserInputException($"{outPath}: cannot write ({e.Message}).", e);
            }
            var space = saved.Model.Space;
            io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "wrote {0} ({1}, ONNX opset {2}, {3:N0} bytes)",
                outPath, saved.Model.Config.Model, OnnxExporter.Opset, new FileInfo(outPath).Length));
            if (kind == OnnxInputs.Ids)
                io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "inputs   {0} int64 [N, {2}], {1} float [N, {2}]",
                    OnnxGraph.IdsName, OnnxGraph.ValuesName, space.FieldCount));
            else
                io.Out.WriteLine("inputs   " + string.Join(", ", saved.FeatureMap.Fields.Select(f =>
                    f.Name + (f.Kind == DeepFM.Data.FieldKind.Categorical ? " string" : " double") + " [N, 1]")));
            io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "outputs  {0} float [N, 1], {1} float [N, 1]",
                OnnxExporter.ProbabilityOutput, OnnxExporter.LogitOutput));
            return 0;
        });
        return command;
    }
}
