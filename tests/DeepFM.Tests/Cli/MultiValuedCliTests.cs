using DeepFM.Synthetic;

namespace DeepFM.Tests.Cli;

/// <summary>A multi-valued CSV column through the tool: train, evaluate and predict take it; ONNX export and the
/// scoring service, which take one value per field, refuse the model with a message naming the field.</summary>
public sealed class MultiValuedCliTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task TrainEvaluatePredictTakeIt_ExportAndServeRefuseIt()
    {
        string train = _dir.File("bags.csv"), test = _dir.File("test.csv"), model = _dir.File("m.dfm"), scores = _dir.File("p.txt");
        BagSynth.Generate(20_000, 1, 5, train, null);
        BagSynth.Generate(2_000, 2, 5, test, null);
        const string schema = "label=label;cat=user,item;multi=tags:|";
        var (code, stdout, err) = CliRunner.Run("train", "--data", train, "--schema", schema, "--model", "fm", "--epochs", "2", "--out", model, "--cache-dir", _dir.Path, "--quiet");
        Assert.True(code == 0, err);
        Assert.Contains("3 fields", err);

        (code, stdout, err) = CliRunner.Run("evaluate", "--model", model, "--data", test);
        Assert.True(code == 0, err);
        Assert.Contains("AUC", stdout);

        // Predict on rows without the label column.
        string unlabeled = _dir.Write("unlabeled.csv", "user,item,tags\nu1,i2,t1|t5\nu3,i4,\nu9999,i1,t2\n");
        (code, _, err) = CliRunner.Run("predict", "--model", model, "--data", unlabeled, "--out", scores);
        Assert.True(code == 0, err);
        var p = File.ReadAllLines(scores).Select(l => double.Parse(l, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(3, p.Length);
        Assert.All(p, x => Assert.InRange(x, 0, 1));

        (code, _, err) = CliRunner.Run("export", "--model", model, "--out", _dir.File("m.onnx"));
        Assert.Equal(1, code);
        Assert.Contains("tags is multi-valued", err);
        Assert.False(File.Exists(_dir.File("m.onnx")));

        var serve = Task.Run(() => CliRunner.Run("serve", "--model", model, "--urls", "http://127.0.0.1:0"));
        var served = await serve.WaitAsync(TimeSpan.FromSeconds(60));   // refuses the model at once rather than listening
        Assert.Equal(1, served.Code);
        Assert.Contains("multi-valued", served.Err);
    }
}
