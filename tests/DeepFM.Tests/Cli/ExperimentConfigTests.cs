using System.Text.Json;
using DeepFM.Synthetic;

namespace DeepFM.Tests.Cli;

/// <summary><c>--config</c> experiment files (flat or named experiments with a base block; YAML or JSON; flags win;
/// errors name file, line and key), <c>--print-config</c>, and the run folder a train leaves.</summary>
public sealed class ExperimentConfigTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Dictionary<string, string> Settings(string printed) =>
        printed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#'))
            .Select(l => l.Split(": ", 2)).ToDictionary(p => p[0], p => p[1].Trim('"'));

    [Fact]
    public void ExperimentsInheritBaseAndFlagsOverrideTheFile()
    {
        string file = _dir.Write("exp.yaml", "base:\n  epochs: 5\n  batch-size: 1024\n  model: fm\nsmall:\n  model: deepfm\n  hidden: [32, 16]\nother:\n  lr: 0.01\n");
        var (code, stdout, err) = CliRunner.Run("train", "--config", file, "--expid", "small", "--batch-size", "64", "--print-config");
        Assert.True(code == 0, err);
        var s = Settings(stdout);
        Assert.Equal("deepfm", s["model"]);     // the experiment over base
        Assert.Equal("32,16", s["hidden"]);      // a list joined as the option takes it
        Assert.Equal("5", s["epochs"]);          // inherited from base
        Assert.Equal("64", s["batch-size"]);     // the flag over the file
        Assert.Equal("~", s["lr"]);              // the other experiment's setting does not leak

        string json = _dir.Write("exp.json", "{\"epochs\": 3, \"model\": \"lr\", \"quiet\": true}");
        (code, stdout, err) = CliRunner.Run("train", "--config", json, "--print-config");
        Assert.True(code == 0, err);
        s = Settings(stdout);
        Assert.Equal(("3", "lr", "true"), (s["epochs"], s["model"], s["quiet"]));
    }

    [Theory]
    [InlineData("base:\n  epochs: 5\nx:\n  modle: fm\n", "bad.yaml:4: unknown key 'modle'", "did you mean 'model'")]
    [InlineData("x:\n  model: fm\ny:\n  model: lr\n", "holds 2 experiments (x, y)", "--expid")]
    [InlineData("epochs: 2\nx:\n  model: fm\n", "bad.yaml:2: mixes options and experiments", "")]
    [InlineData("epochs: [1,\n", "bad.yaml:2: not valid YAML", "")]
    [InlineData("hidden:\n  a: 1\n", "bad.yaml:2: unknown key 'a'", "")]
    public void BadFilesAreErrorsNamingFileLineAndKey(string content, string expected, string alsoExpected)
    {
        string file = _dir.Write("bad.yaml", content);
        var (code, _, err) = CliRunner.Run("train", "--config", file, "--print-config");
        Assert.Equal(1, code);
        Assert.Contains(expected, err);
        Assert.Contains(alsoExpected, err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void MissingFileAndUnknownExperimentAreClearErrors()
    {
        var (code, _, err) = CliRunner.Run("train", "--config", _dir.File("none.yaml"));
        Assert.Equal(1, code);
        Assert.Contains("config file not found", err);
        string file = _dir.Write("exp.yaml", "a:\n  model: fm\n");
        (code, _, err) = CliRunner.Run("compare", "--config", file, "--expid", "b");
        Assert.Equal(1, code);
        Assert.Contains("no experiment 'b' (it has a)", err);
        (code, _, err) = CliRunner.Run("train", "--expid", "b");
        Assert.Equal(1, code);
        Assert.Contains("--expid needs --config", err);
    }

    [Fact]
    public void TrainWritesARunFolderWhoseConfigReproducesTheSettings()
    {
        string data = _dir.File("s.tsv"), model = _dir.File("m.dfm");
        CriteoSynth.Generate(new SynthOptions { Rows = 3000, Seed = 1 }, data, null);
        var (code, stdout, err) = CliRunner.Run("train", "--data", data, "--model", "fm", "--epochs", "2", "--out", model, "--cache-dir", _dir.Path, "--quiet");
        Assert.True(code == 0, err);
        string run = _dir.File("m.run");
        foreach (var f in new[] { "config.yaml", "history.csv", "learning-curve.png", "summary.json" })
            Assert.True(File.Exists(Path.Combine(run, f)), $"{f} missing from the run folder");
        Assert.True(new FileInfo(Path.Combine(run, "learning-curve.png")).Length > 1000);

        var history = File.ReadAllLines(Path.Combine(run, "history.csv"));
        Assert.StartsWith("step,epoch,train_loss,valid_auc", history[0]);
        Assert.Equal(3, history.Length);   // header + one validation per epoch

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        double auc = summary.RootElement.GetProperty("valid").GetProperty("auc").GetDouble();
        string printed = stdout.Split('\n').First(l => l.StartsWith("valid ")).Split("AUC ")[1].Split(' ')[0];
        Assert.Equal(double.Parse(printed, System.Globalization.CultureInfo.InvariantCulture), auc, 5);   // the line the user saw
        Assert.Equal("fm", summary.RootElement.GetProperty("model").GetString());
        Assert.Equal(Path.GetFullPath(model), summary.RootElement.GetProperty("modelFile").GetString());

        // The written config, given back, yields the same effective settings.
        (code, string again, err) = CliRunner.Run("train", "--config", Path.Combine(run, "config.yaml"), "--print-config");
        Assert.True(code == 0, err);
        Assert.Equal(File.ReadAllText(Path.Combine(run, "config.yaml")), again);
    }
}
