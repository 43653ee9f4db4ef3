using DeepFM.Cli;

namespace DeepFM.Tests.Experiments;

public sealed class StudyCommandTests : IDisposable
{
    private readonly ExperimentTestData _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public void DropoutStudy_LabelsKeepProbability_WritesLineCharts()
    {
        string outDir = Path.Combine(_data.Dir, "study");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(["study", "--param", "dropout", "--values", "1.0,0.5", "--models", "deepfm", "--data", _data.DataPath, "--out", outDir, .. _data.TinyArgs()], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());

        var rows = ExperimentTestData.ReadCsv(Path.Combine(outDir, "results.csv"));
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal("deepfm", r["model"]));
        Assert.All(rows, r => Assert.Equal("dropout", r["parameter"]));
        Assert.Equal(["1.0", "0.5"], rows.Select(r => r["setting"]).ToArray());
        Assert.Equal(1.0, ExperimentTestData.Number(rows[0], "keep_probability"), 6);
        Assert.Equal(0.0, ExperimentTestData.Number(rows[0], "drop_rate"), 6);
        Assert.Equal(0.5, ExperimentTestData.Number(rows[1], "keep_probability"), 6);
        Assert.Equal(0.5, ExperimentTestData.Number(rows[1], "drop_rate"), 6);
        Assert.All(rows, r => Assert.InRange(ExperimentTestData.Number(r, "test_auc"), 1e-9, 1 - 1e-9));

        string md = File.ReadAllText(Path.Combine(outDir, "results.md"));
        Assert.Contains("Dropout (keep probability)", md);
        Assert.Contains("KEPT", md);
        Assert.Contains("`deepfm study --param dropout --values 1.0,0.5", md);
        ExperimentTestData.AssertPng(Path.Combine(outDir, "dropout-auc.png"));
        ExperimentTestData.AssertPng(Path.Combine(outDir, "dropout-logloss.png"));
    }

    [Fact]
    public void ShapeStudy_UsesLayersAndTotal()
    {
        string outDir = Path.Combine(_data.Dir, "shape");
        var stderr = new StringWriter();
        int code = CliApp.Run(["study", "--param", "shape", "--values", "increasing,diamond", "--layers", "3", "--total", "24", "--models", "deepfm",
            "--data", _data.DataPath, "--out", outDir, .. _data.TinyArgs()], new StringWriter(), stderr);
        Assert.True(code == 0, stderr.ToString());
        var rows = ExperimentTestData.ReadCsv(Path.Combine(outDir, "results.csv"));
        Assert.Equal(["4-8-12", "6-12-6"], rows.Select(r => r["hidden"]).ToArray());
        ExperimentTestData.AssertPng(Path.Combine(outDir, "shape-auc.png"));
    }

    [Fact]
    public void UnknownParameter_IsAUserError()
    {
        var stderr = new StringWriter();
        int code = CliApp.Run(["study", "--param", "learning-rate", "--data", _data.DataPath, "--out", Path.Combine(_data.Dir, "x"), .. _data.TinyArgs()], new StringWriter(), stderr);
        Assert.Equal(1, code);
        Assert.Contains("--param", stderr.ToString());
    }
}
