using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Serialization;
using DeepFM.Synthetic;
using DeepFM.Tests.Cli;
using DeepFM.Training;

namespace DeepFM.Tests.Export;

public class OnnxExportCliTests
{
    private static readonly string[] Tiny = ["--hidden", "8,8", "--embedding-size", "4", "--epochs", "1", "--batch-size", "512", "--quiet"];

    [Fact]
    public void TrainedModelExportsAndOnnxRuntimeScoresItsDataLikePredict()
    {
        using var dir = new TempDir();
        string train = dir.File("train.tsv");
        CriteoSynth.Generate(new SynthOptions { Rows = 2500, Seed = 1, WorldSeed = 7, MaxCardinality = 300 }, train, null);
        string model = dir.File("model.dfm"), onnx = dir.File("model.onnx");
        var (code, _, err) = CliRunner.Run([.. "train --model deepfm --data".Split(' '), train, "--out", model, "--cache-dir", dir.Path, "--batch-norm", "true", .. Tiny]);
        Assert.True(code == 0, err);

        (code, var output, err) = CliRunner.Run("export", "--model", model, "--format", "onnx", "--out", onnx);
        Assert.True(code == 0, err);
        Assert.Contains("wrote", output);
        Assert.Contains("probability", output);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp-*"));

        // The file loads in ONNX Runtime, and scores the training rows (encoded with the model's own feature map,
        // which is what a server would do before calling the graph) as the library does.
        var saved = ModelFile.Load(model);
        using var data = DataPipeline.EncodeWith(train, saved.FeatureMap, null);
        var ours = Predictor.Predict(saved.Model, data.All);
        int rows = data.All.Count, m = data.All.FieldCount;
        var batch = new Batch(rows, m);
        data.All.Slice(0, rows, batch);
        using var session = OnnxRunner.Open(File.ReadAllBytes(onnx));
        var (p, _) = OnnxRunner.Run(session, batch.IdBuffer, batch.ValueBuffer, rows, m);
        Assert.Equal(rows, p.Length);
        for (int i = 0; i < rows; i++) Assert.True(Math.Abs(p[i] - ours[i]) <= 1e-5, $"row {i}: {p[i]} vs {ours[i]}");
        Assert.Equal(saved.FeatureMap.Hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
            session.ModelMetadata.CustomMetadataMap["feature_map_hash"]);

        // Raw inputs: the Criteo fields by name, the vocabularies and bucketing inside the graph.
        string raw = dir.File("raw.onnx");
        (code, output, err) = CliRunner.Run("export", "--model", model, "--inputs", "raw", "--out", raw);
        Assert.True(code == 0, err);
        Assert.Contains("I1 double [N, 1]", output);
        Assert.Contains("C26 string [N, 1]", output);
        using (var rawSession = OnnxRunner.Open(File.ReadAllBytes(raw)))
        {
            var lines = File.ReadAllLines(train).Select(l => l.Split('\t')).ToArray();
            var names = saved.FeatureMap.Fields.Select(f => f.Name).ToArray();
            var inputs = new List<Microsoft.ML.OnnxRuntime.OrtValue>();
            try
            {
                for (int f = 0; f < names.Length; f++)
                {
                    int column = f + 1;
                    string Cell(string[] l) => column < l.Length ? l[column] : "";
                    inputs.Add(f < 13
                        ? Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(
                            lines.Select(l => Cell(l) is { Length: > 0 } c ? double.Parse(c, System.Globalization.CultureInfo.InvariantCulture) : double.NaN).ToArray(), [lines.Length, 1])
                        : Microsoft.ML.OnnxRuntime.OrtValue.CreateFromStringTensor(
                            new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<string>(lines.Select(Cell).ToArray(), [lines.Length, 1])));
                }
                using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
                using var results = rawSession.Run(runOptions, names, inputs, ["probability"]);
                var rawP = results[0].GetTensorDataAsSpan<float>().ToArray();
                for (int i = 0; i < rows; i++) Assert.True(Math.Abs(rawP[i] - ours[i]) <= 1e-5, $"raw row {i}: {rawP[i]} vs {ours[i]}");
            }
            finally
            {
                foreach (var v in inputs) v.Dispose();
            }
        }

        // --out defaults to the model's path with extension .onnx.
        File.Delete(onnx);
        (code, _, err) = CliRunner.Run("export", "--model", model);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(onnx));

        // A real model with one flipped byte: the checksum catches it, and no graph is written.
        var bytes = File.ReadAllBytes(model);
        bytes[bytes.Length / 2] ^= 0x40;
        string corrupt = dir.File("corrupt.dfm");
        File.WriteAllBytes(corrupt, bytes);
        (code, _, err) = CliRunner.Run("export", "--model", corrupt, "--out", dir.File("corrupt.onnx"));
        Assert.Equal(1, code);
        Assert.Contains("corrupt.dfm: model file is corrupt", err);
        Assert.DoesNotContain("   at ", err);
        Assert.False(File.Exists(dir.File("corrupt.onnx")));
    }

    [Fact]
    public void MissingCorruptOrForeignModelsAndBadOptionsAreClearErrors()
    {
        using var dir = new TempDir();
        string outPath = dir.File("x.onnx");
        var (code, _, err) = CliRunner.Run("export", "--model", dir.File("missing.dfm"), "--out", outPath);
        Assert.Equal(1, code);
        Assert.Contains("missing.dfm: model file not found", err);
        Assert.DoesNotContain("   at ", err);

        string foreign = dir.File("foreign.dfm");
        File.WriteAllText(foreign, "label\tI1\n1\t2\n" + new string('x', 200));
        (code, _, err) = CliRunner.Run("export", "--model", foreign, "--out", outPath);
        Assert.Equal(1, code);
        Assert.Contains("not a DeepFM model file", err);

        (code, _, err) = CliRunner.Run("export", "--model", foreign, "--format", "pmml", "--out", outPath);
        Assert.Equal(1, code);
        Assert.Contains("--format must be onnx", err);

        (code, _, err) = CliRunner.Run("export", "--model", foreign, "--inputs", "text", "--out", outPath);
        Assert.Equal(1, code);
        Assert.Contains("--inputs must be ids or raw", err);

        (code, _, err) = CliRunner.Run("export", "--model", foreign, "--out", dir.File("no/such/folder/x.onnx"));
        Assert.Equal(1, code);
        Assert.Contains("does not exist", err);
        Assert.False(File.Exists(outPath));
    }
}
