using System.Text.Json;
using DeepFM.Synthetic;

namespace DeepFM.Tests.Cli;

/// <summary><c>--json</c>: train and evaluate print one JSON object on stdout, whose metrics are the ones the text
/// output reports for the same run.</summary>
public sealed class JsonOutputTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void TrainAndEvaluatePrintOneJsonObjectWithTheTextsMetrics()
    {
        string data = _dir.File("s.tsv"), model = _dir.File("m.dfm");
        CriteoSynth.Generate(new SynthOptions { Rows = 3000, Seed = 1 }, data, null);
        var (code, stdout, err) = CliRunner.Run("train", "--data", data, "--model", "fm", "--epochs", "1", "--out", model, "--cache-dir", _dir.Path, "--quiet", "--json");
        Assert.True(code == 0, err);
        using var trained = JsonDocument.Parse(stdout);   // nothing but the object
        double trainValidAuc = trained.RootElement.GetProperty("valid").GetProperty("auc").GetDouble();

        (code, string text, err) = CliRunner.Run("evaluate", "--model", model, "--data", data);
        Assert.True(code == 0, err);
        (code, stdout, err) = CliRunner.Run("evaluate", "--model", model, "--data", data, "--json");
        Assert.True(code == 0, err);
        using var evaluated = JsonDocument.Parse(stdout);
        double auc = evaluated.RootElement.GetProperty("auc").GetDouble();
        string printed = text.Split('\n').First(l => l.StartsWith("AUC")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.Equal(double.Parse(printed, System.Globalization.CultureInfo.InvariantCulture), auc, 5);
        Assert.Equal(3000, evaluated.RootElement.GetProperty("rows").GetInt32());
        Assert.InRange(trainValidAuc, 0.4, 1);
    }
}
