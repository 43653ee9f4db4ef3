using System.Globalization;
using System.Text;
using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Export;
using DeepFM.Models;
using DeepFM.Serialization;
using DeepFM.Training;
using Microsoft.ML.OnnxRuntime;

namespace DeepFM.Tests.Export;

/// <summary>Raw-input graphs: the feature map's encoding inside the graph gives the same probabilities as encoding
/// with the feature map and running the model.</summary>
public class OnnxRawInputTests
{
    private const string Schema = "label=label;cat=c1,c2;num=n1,n2";

    /// <summary>CSV rows with categorical values (some empty), a numeric field with fractional, negative, large and
    /// missing values (every bucketing branch), and an integer numeric field.</summary>
    private static string WriteCsv(string path, int rows, int seed, int categories)
    {
        var rng = new Random(seed);
        double[] fractions = [0.5, -1.25, 1.75, 0.1, -3.5, 2.0, 2.5];
        var sb = new StringBuilder("label,c1,c2,n1,n2\n");
        for (int r = 0; r < rows; r++)
        {
            string c1 = rng.Next(12) == 0 ? "" : "a" + rng.Next(categories).ToString(CultureInfo.InvariantCulture);
            string c2 = "b" + rng.Next(categories / 2).ToString(CultureInfo.InvariantCulture);
            string n1 = rng.Next(5) switch
            {
                0 => "",
                1 => fractions[rng.Next(fractions.Length)].ToString("R", CultureInfo.InvariantCulture),
                2 => (rng.NextDouble() * 1e4).ToString("R", CultureInfo.InvariantCulture),
                _ => rng.Next(-3, 60).ToString(CultureInfo.InvariantCulture),
            };
            string n2 = rng.Next(10) == 0 ? "" : rng.Next(0, 30).ToString(CultureInfo.InvariantCulture);
            sb.Append(rng.Next(2)).Append(',').Append(c1).Append(',').Append(c2).Append(',').Append(n1).Append(',').Append(n2).Append('\n');
        }
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Theory]
    [InlineData(NumericEncoding.Bucket, "deepfm")]
    [InlineData(NumericEncoding.Value, "pnn")]
    [InlineData(NumericEncoding.LogValue, "widedeep")]
    public void RawInputGraphMatchesTheFeatureMapAndModel(NumericEncoding encoding, string name)
    {
        using var dir = new TempDir();
        string train = WriteCsv(dir.File("train.csv"), 600, 1, 40);
        // Other seed, more categories: unseen values that must take their field's OOV id.
        string test = WriteCsv(dir.File("test.csv"), 800, 2, 60);
        var options = new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse(Schema), NumericEncoding = encoding, MinCount = 2 };
        using var prepared = DataPipeline.Prepare(train, dir.File("train.cache"), options, SplitOptions.None);
        var map = prepared.FeatureMap;
        var config = new ModelConfig { Model = name, EmbeddingSize = 3, Hidden = [5], Dropout = 0, BatchNorm = true, Seed = 3 };
        var model = ModelRegistry.Create(config, new FeatureSpace(map.FieldCount, map.FeatureCount));
        var rng = new Random(7);
        foreach (var param in model.Parameters())
            for (int i = 0; i < param.Value.Length; i++)
                param.Value[i] = param.Name.EndsWith("running_var", StringComparison.Ordinal) ? 0.5f + rng.NextSingle() : rng.NextSingle() - 0.5f;
        var saved = new SavedModel(model, map, new DeepFM.Serialization.ModelMetadata());

        using var encoded = DataPipeline.EncodeWith(test, map, null);
        var ours = Predictor.Predict(model, encoded.All);

        using var options1 = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(OnnxExporter.ToBytes(saved, OnnxInputs.Raw), options1);
        Assert.Equal(["c1", "c2", "n1", "n2"], session.InputMetadata.Keys.Order(StringComparer.Ordinal));
        var lines = File.ReadAllLines(test).Skip(1).Select(l => l.Split(',')).ToArray();
        int n = lines.Length;
        Assert.Equal(n, ours.Length);
        using var c1 = OrtValue.CreateFromStringTensor(new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<string>(lines.Select(l => l[1]).ToArray(), [n, 1]));
        using var c2 = OrtValue.CreateFromStringTensor(new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<string>(lines.Select(l => l[2]).ToArray(), [n, 1]));
        using var n1 = OrtValue.CreateTensorValueFromMemory(lines.Select(l => Number(l[3])).ToArray(), [n, 1]);
        using var n2 = OrtValue.CreateTensorValueFromMemory(lines.Select(l => Number(l[4])).ToArray(), [n, 1]);
        using var run = new RunOptions();
        using var outputs = session.Run(run, ["c1", "c2", "n1", "n2"], [c1, c2, n1, n2], ["probability"]);
        var p = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(p[i] - ours[i]) <= 1e-5, $"row {i} ({string.Join(',', lines[i])}): {p[i]} vs {ours[i]}");
    }

    private static double Number(string s) => s.Length == 0 ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);
}
