using DeepFM.Synthetic;

namespace DeepFM.Tests.Cli;

/// <summary><c>deepfm tune</c>: successive halving keeps the right share of trials per rung, finds a planted best
/// setting (a learning rate that learns against ones that cannot), writes a best.yaml that train accepts, and
/// resumes from trials.csv.</summary>
public sealed class TuneCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void FindsThePlantedBestAndResumes()
    {
        string data = _dir.File("s.tsv"), space = _dir.Write("space.yaml", "lr: [1.0e-7, 0.02, 1.0e-8]\nembedding-size: {low: 2, high: 6, int: true}\n");
        CriteoSynth.Generate(new SynthOptions { Rows = 6000, Seed = 1 }, data, null);
        string tune = _dir.File("tune");
        string[] args = ["tune", "--trials", "6", "--space", space, "--min-epochs", "1", "--max-epochs", "3", "--eta", "3", "--tune-dir", tune,
            "--data", data, "--model", "fm", "--batch-size", "512", "--cache-dir", _dir.Path];
        var (code, stdout, err) = CliRunner.Run(args);
        Assert.True(code == 0, err);

        var rows = File.ReadAllLines(Path.Combine(tune, "trials.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(6, rows.Count(r => r[1] == "1"));   // every trial at the first rung
        Assert.Equal(2, rows.Count(r => r[1] == "3"));   // ⌈6/3⌉ at the next
        // The rung-3 trials are the two best of rung 1.
        var firstRung = rows.Where(r => r[1] == "1").OrderByDescending(r => double.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture)).Take(2).Select(r => r[0]).Order();
        Assert.Equal(firstRung, rows.Where(r => r[1] == "3").Select(r => r[0]).Order());

        string best = File.ReadAllText(Path.Combine(tune, "best.yaml"));
        Assert.Contains("lr: 0.02", best);   // the only learning rate that learns in 3 epochs
        Assert.Contains("epochs: 3", best);
        (code, string printed, err) = CliRunner.Run("train", "--config", Path.Combine(tune, "best.yaml"), "--print-config");
        Assert.True(code == 0, err);
        Assert.Contains("lr: 0.02", printed);
        Assert.True(File.Exists(Path.Combine(tune, "results.md")) && File.Exists(Path.Combine(tune, "tune-auc.png")));

        // Resume: a result lost (as if killed before it was written) is trained again, the others are read back.
        var lines = File.ReadAllLines(Path.Combine(tune, "trials.csv")).ToList();
        File.WriteAllLines(Path.Combine(tune, "trials.csv"), lines.Take(lines.Count - 1));
        (code, _, err) = CliRunner.Run(args);
        Assert.True(code == 0, err);
        Assert.Equal(lines.Count, File.ReadAllLines(Path.Combine(tune, "trials.csv")).Length);

        // Another search in the same folder is refused rather than mixed in.
        (code, _, err) = CliRunner.Run([.. args.Select(a => a == "6" ? "5" : a), "--search-seed", "7"]);
        Assert.Equal(1, code);
        Assert.Contains("another search", err);
    }

    [Fact]
    public void RefusesOptionsTheTrialsSetAndBadSpaces()
    {
        var (code, _, err) = CliRunner.Run("tune", "--epochs", "3");
        Assert.Equal(1, code);
        Assert.Contains("--epochs cannot be given to tune", err);
        string space = _dir.Write("bad.yaml", "learning-rate: [1, 2]\n");
        (code, _, err) = CliRunner.Run("tune", "--space", space, "--tune-dir", _dir.File("t"));
        Assert.Equal(1, code);
        Assert.Contains("bad.yaml:1: 'learning-rate' is not an option of deepfm train", err);
    }
}
