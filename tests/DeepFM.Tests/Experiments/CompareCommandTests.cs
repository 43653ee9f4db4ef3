using DeepFM.Cli;
using DeepFM.Experiments;
using DeepFM.Models;

namespace DeepFM.Tests.Experiments;

public sealed class CompareCommandTests : IDisposable
{
    private readonly ExperimentTestData _data = new();

    public void Dispose() => _data.Dispose();

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void CompareAllModels_WritesTableCsvAndCharts()
    {
        string outDir = Path.Combine(_data.Dir, "compare");
        var (code, stdout, stderr) = Run(["compare", "--data", _data.DataPath, "--format", "criteo", "--models", "all", "--out", outDir, .. _data.TinyArgs()]);
        Assert.True(code == 0, stderr);

        var rows = ExperimentTestData.ReadCsv(Path.Combine(outDir, "results.csv"));
        // Every registered model has a row, in the paper's order, whatever the registry holds.
        Assert.Equal(PaperModels.All(), rows.Select(r => r["model"]).ToList());
        Assert.Equal(ModelRegistry.Names.Count, rows.Count);
        foreach (var row in rows)
        {
            double auc = ExperimentTestData.Number(row, "test_auc");
            Assert.InRange(auc, 1e-9, 1 - 1e-9);
            Assert.True(ExperimentTestData.Number(row, "test_logloss") > 0);
            Assert.True(ExperimentTestData.Number(row, "train_seconds") >= 0);
            Assert.True(ExperimentTestData.Number(row, "parameters") > 0);
            Assert.Equal("compare", row["experiment"]);
        }
        // LR is in the run: times are relative to it.
        Assert.Equal(1.0, ExperimentTestData.Number(rows.Single(r => r["model"] == "lr"), "relative_time"), 9);
        Assert.Equal("ftrl", rows.Single(r => r["model"] == "lr")["optimizer"]);
        Assert.Equal("adam", rows.Single(r => r["model"] == "deepfm")["optimizer"]);

        string md = File.ReadAllText(Path.Combine(outDir, "results.md"));
        Assert.Contains("| Model | Test AUC | Test logloss |", md);
        Assert.Contains("| DeepFM |", md);
        Assert.Contains("| LR |", md);
        Assert.Contains("Time / LR", md);
        Assert.Contains($"`deepfm compare --data {_data.DataPath} --format criteo --models all --out {outDir}", md);
        Assert.Contains("- Seed: 2017", md);
        Assert.Matches(@"- Date: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", md);

        Assert.Contains("| DeepFM |", stdout);
        Assert.Contains("[1/", stderr);
        foreach (var png in new[] { "auc.png", "logloss.png", "training-time.png" })
            ExperimentTestData.AssertPng(Path.Combine(outDir, png));
    }

    [Fact]
    public void CompareSeparateFiles_WithoutLr_IsRelativeToFirstModel()
    {
        string train = _data.Generate("train.tsv", 3000, 11);
        string valid = _data.Generate("valid.tsv", 500, 12);
        string test = _data.Generate("test.tsv", 500, 13);
        string outDir = Path.Combine(_data.Dir, "separate");
        var (code, _, stderr) = Run(["compare", "--train", train, "--valid", valid, "--test", test, "--models", "fm,deepfm", "--out", outDir, .. _data.TinyArgs()]);
        Assert.True(code == 0, stderr);
        var rows = ExperimentTestData.ReadCsv(Path.Combine(outDir, "results.csv"));
        Assert.Equal(["fm", "deepfm"], rows.Select(r => r["model"]).ToArray());
        Assert.Equal(1.0, ExperimentTestData.Number(rows[0], "relative_time"), 9);
        string md = File.ReadAllText(Path.Combine(outDir, "results.md"));
        Assert.Contains("Time / FM", md);
        Assert.Contains("500 test rows", md);
    }

    [Fact]
    public void CompareWithSeeds_ReportsEveryRunAndMeansWithStandardDeviations()
    {
        string outDir = Path.Combine(_data.Dir, "seeds");
        var (code, stdout, stderr) = Run(["compare", "--data", _data.DataPath, "--format", "criteo", "--models", "lr,fm", "--seeds", "3", "--seed", "5", "--out", outDir, .. _data.TinyArgs()]);
        Assert.True(code == 0, stderr);
        var rows = ExperimentTestData.ReadCsv(Path.Combine(outDir, "results.csv"));
        // Seed-major order: every model for seed 5, then 6, then 7.
        Assert.Equal(["lr", "fm", "lr", "fm", "lr", "fm"], rows.Select(r => r["model"]).ToArray());
        Assert.Equal(["5", "5", "6", "6", "7", "7"], rows.Select(r => r["seed"]).ToArray());
        // The summary's mean and sample standard deviation, recomputed from the per-run rows.
        var fm = rows.Where(r => r["model"] == "fm").Select(r => ExperimentTestData.Number(r, "test_auc")).ToArray();
        double mean = fm.Average();
        double sd = Math.Sqrt(fm.Sum(x => (x - mean) * (x - mean)) / 2);
        Assert.True(sd > 0, "different seeds should give different models");
        string md = File.ReadAllText(Path.Combine(outDir, "results.md"));
        Assert.Contains("Mean ± standard deviation over 3 seeds (5, 6, 7):", md);
        Assert.Contains(FormattableString.Invariant($"| FM | 3 | {mean:F5} ± {sd:F5} |"), md);
        Assert.Contains("| Model | Seed | Test AUC |", md);
        Assert.Contains("Seeds: 3 (5–7)", md);
        Assert.Contains(FormattableString.Invariant($"| FM | 3 | {mean:F5} ± {sd:F5} |"), stdout);
        Assert.Contains("fm [seed 6]", stderr);
        foreach (var png in new[] { "auc.png", "logloss.png", "training-time.png" })
            ExperimentTestData.AssertPng(Path.Combine(outDir, png));
        // Wins per seed add up to the number of seeds.
        var wins = System.Text.RegularExpressions.Regex.Matches(md, @"\| (\d) of 3 \|").Select(m => int.Parse(m.Groups[1].Value)).ToArray();
        Assert.Equal(3, wins.Sum());
    }

    [Fact]
    public void DivergingModel_IsRecordedAndTheOthersStillRun()
    {
        string outDir = Path.Combine(_data.Dir, "diverge");
        // A learning rate of 1e30 blows Adam's FM up to NaN; FTRL (LR) stays finite, as it divides by its accumulators.
        var (code, _, stderr) = Run(["compare", "--data", _data.DataPath, "--models", "fm,lr", "--lr", "1e30", "--out", outDir, .. _data.TinyArgs()]);
        Assert.True(code == 0, stderr);
        var rows = ExperimentTestData.ReadCsv(Path.Combine(outDir, "results.csv"));
        Assert.Equal(["fm", "lr"], rows.Select(r => r["model"]).ToArray());
        Assert.Contains("Training diverged", rows[0]["failure"]);
        Assert.Equal("", rows[0]["test_auc"]);
        Assert.Equal("", rows[1]["failure"]);
        Assert.True(double.IsFinite(ExperimentTestData.Number(rows[1], "test_auc")));
        Assert.Contains("**FM did not finish**: Training diverged", File.ReadAllText(Path.Combine(outDir, "results.md")));
        Assert.Contains("fm: did not finish", stderr);
    }

    [Fact]
    public void UnwritableOutFolder_FailsBeforeTraining()
    {
        string blocker = Path.Combine(_data.Dir, "a-file");
        File.WriteAllText(blocker, "not a folder");
        var (code, _, stderr) = Run(["compare", "--data", _data.DataPath, "--models", "lr", "--out", Path.Combine(blocker, "results"), .. _data.TinyArgs()]);
        Assert.Equal(1, code);
        Assert.Contains("cannot write the results there", stderr);
        Assert.DoesNotContain("[1/", stderr);   // no model started
    }

    [Fact]
    public void UnknownModel_IsAUserError()
    {
        var (code, _, stderr) = Run(["compare", "--data", _data.DataPath, "--models", "lr,nosuchmodel", "--out", Path.Combine(_data.Dir, "x"), .. _data.TinyArgs()]);
        Assert.Equal(1, code);
        Assert.Contains("nosuchmodel", stderr);
    }
}
