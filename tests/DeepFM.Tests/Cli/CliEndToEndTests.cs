using System.Globalization;
using DeepFM.Evaluation;
using DeepFM.Serialization;
using DeepFM.Synthetic;

using DeepFM.Preparation;

namespace DeepFM.Tests.Cli;

public class CliEndToEndTests
{
    private static readonly string[] Tiny = ["--hidden", "16,16", "--embedding-size", "4", "--epochs", "3", "--batch-size", "512", "--quiet"];

    private static string MakeData(TempDir dir, string name, int rows, ulong seed)
    {
        string path = dir.File(name);
        CriteoSynth.Generate(new SynthOptions { Rows = rows, Seed = seed, WorldSeed = 7, MaxCardinality = 500 }, path, null);
        return path;
    }

    [Fact]
    public void CacheWithADifferentSplitThanAskedIsAClearError()
    {
        using var dir = new TempDir();
        string data = MakeData(dir, "d.tsv", 3000, 3);
        string cache = dir.File("d.cache");
        var (code, _, err) = CliRunner.Run("prepare", "--data", data, "--out", cache, "--valid-fraction", "0.2");
        Assert.True(code == 0, err);
        // Its own split is used when none is asked for ...
        (code, _, err) = CliRunner.Run(["train", "--data", cache, .. Tiny]);
        Assert.True(code == 0, err);
        // ... and the same split may be repeated ...
        (code, _, err) = CliRunner.Run(["train", "--data", cache, "--valid-fraction", "0.2", .. Tiny]);
        Assert.True(code == 0, err);
        // ... but a different one is refused, naming both, instead of being silently ignored.
        (code, _, err) = CliRunner.Run(["train", "--data", cache, "--valid-fraction", "0.3", .. Tiny]);
        Assert.Equal(1, code);
        Assert.Contains("d.cache: this cache carries its own split (valid 0.2, test 0, seed 2017), not the one asked for (valid 0.3", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void TrainEvaluatePredictRoundTrip()
    {
        using var dir = new TempDir();
        string train = MakeData(dir, "train.tsv", 6000, 1);
        string test = MakeData(dir, "test.tsv", 1500, 2);
        string model = dir.File("model.dfm");
        var (code, output, err) = CliRunner.Run([.. "train --data".Split(' '), train, "--out", model, "--cache-dir", dir.Path, .. Tiny]);
        Assert.True(code == 0, err);
        Assert.Contains("valid      AUC", output);
        Assert.True(File.Exists(model));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp-*"));

        (code, output, err) = CliRunner.Run("evaluate", "--model", model, "--data", test);
        Assert.True(code == 0, err);
        double auc = double.Parse(output.Split('\n').First(l => l.StartsWith("AUC", StringComparison.Ordinal))[3..].Trim(), CultureInfo.InvariantCulture);
        Assert.InRange(auc, 0.55, 1.0);
        Assert.Contains("rows     1,500", output);

        string scores = dir.File("scores.txt");
        (code, _, err) = CliRunner.Run("predict", "--model", model, "--data", test, "--out", scores);
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(scores);
        Assert.Equal(1500, lines.Length);
        var p = lines.Select(l => float.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        Assert.All(p, v => Assert.InRange(v, 0f, 1f));
        // The written probabilities, in input order, reproduce the AUC that evaluate reported.
        var labels = File.ReadLines(test).Select(l => l[0] == '1' ? 1f : 0f).ToArray();
        Assert.Equal(auc, Metrics.Auc(p, labels), 4);
    }

    [Fact]
    public void SavedModelReloadsWithIdenticalPredictionsAndSameSeedGivesSameModel()
    {
        using var dir = new TempDir();
        string train = MakeData(dir, "train.tsv", 5000, 3);
        string a = dir.File("a.dfm"), b = dir.File("b.dfm");
        foreach (string outPath in new[] { a, b })
        {
            var (code, _, err) = CliRunner.Run([.. "train --model deepfm --data".Split(' '), train, "--out", outPath, "--cache-dir", dir.Path, "--batch-norm", "true", .. Tiny]);
            Assert.True(code == 0, err);
        }
        var first = ModelFile.Load(a);
        var second = ModelFile.Load(b);
        Assert.Equal(first.Metadata.ValidAuc, second.Metadata.ValidAuc);
        Assert.Equal(first.Metadata.ValidLogloss, second.Metadata.ValidLogloss);
        var pa = first.Model.Parameters();
        var pb = second.Model.Parameters();
        Assert.Equal(pa.Count, pb.Count);
        for (int i = 0; i < pa.Count; i++) Assert.True(pa[i].Value.AsSpan().SequenceEqual(pb[i].Value), $"{pa[i].Name} differs between same-seed runs");

        // Save → load → identical predictions (bitwise), batch-norm running statistics included.
        using var data = DeepFM.Preparation.DataPipeline.EncodeWith(train, first.FeatureMap, null);
        var before = DeepFM.Training.Predictor.Predict(first.Model, data.All);
        string resaved = dir.File("c.dfm");
        ModelFile.Save(resaved, first);
        var after = DeepFM.Training.Predictor.Predict(ModelFile.Load(resaved).Model, data.All);
        Assert.Equal(before, after);
    }

    [Fact]
    public void CorruptOrForeignModelFilesAreClearErrors()
    {
        using var dir = new TempDir();
        string train = MakeData(dir, "train.tsv", 3000, 4);
        string model = dir.File("m.dfm");
        Assert.Equal(0, CliRunner.Run([.. "train --model fm --data".Split(' '), train, "--out", model, "--cache-dir", dir.Path, .. Tiny]).Code);

        var bytes = File.ReadAllBytes(model);
        bytes[bytes.Length / 2] ^= 0x40;
        string corrupt = dir.File("corrupt.dfm");
        File.WriteAllBytes(corrupt, bytes);
        var (code, _, err) = CliRunner.Run("evaluate", "--model", corrupt, "--data", train);
        Assert.Equal(1, code);
        Assert.Contains("corrupt.dfm", err);
        Assert.Contains("checksum", err);
        Assert.DoesNotContain("   at ", err);

        string truncated = dir.File("truncated.dfm");
        File.WriteAllBytes(truncated, File.ReadAllBytes(model)[..100]);
        (code, _, err) = CliRunner.Run("predict", "--model", truncated, "--data", train);
        Assert.Equal(1, code);
        Assert.Contains("truncated.dfm", err);

        (code, _, err) = CliRunner.Run("evaluate", "--model", train, "--data", train);
        Assert.Equal(1, code);
        Assert.Contains("not a DeepFM model file", err);

        (code, _, err) = CliRunner.Run("evaluate", "--model", dir.File("missing.dfm"), "--data", train);
        Assert.Equal(1, code);
        Assert.Contains("not found", err);
    }

    [Fact]
    public void BadOptionsAreClearErrors()
    {
        using var dir = new TempDir();
        string train = MakeData(dir, "train.tsv", 500, 5);
        var (code, _, err) = CliRunner.Run("train", "--data", train, "--model", "nosuchmodel", "--cache-dir", dir.Path);
        Assert.Equal(1, code);
        Assert.Contains("Unknown model 'nosuchmodel'", err);
        (code, _, err) = CliRunner.Run("train", "--data", train, "--hidden", "400,x", "--cache-dir", dir.Path);
        Assert.Equal(1, code);
        Assert.Contains("--hidden", err);
        (code, _, err) = CliRunner.Run("train", "--data", dir.File("nope.tsv"));
        Assert.Equal(1, code);
        Assert.Contains("nope.tsv", err);
    }
}
