using DeepFM.Serialization;
using DeepFM.Synthetic;

namespace DeepFM.Tests.Cli;

/// <summary><c>deepfm train --init-from</c>: continues a model on new logs (its configuration, its map or the map
/// grown by <c>--extend-vocab</c>) and refuses settings that would change the model.</summary>
public sealed class WarmStartCliTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ContinuesAModelOnNewLogsAndGrowsItsVocabulary()
    {
        string day0 = _dir.File("d0.tsv"), day1 = _dir.File("d1.tsv"), m0 = _dir.File("m0.dfm"), m1 = _dir.File("m1.dfm"), m2 = _dir.File("m2.dfm");
        CriteoSynth.Generate(new SynthOptions { Rows = 4000, Seed = 1, WorldSeed = 3, MaxCardinality = 200 }, day0, null);
        CriteoSynth.Generate(new SynthOptions { Rows = 4000, Seed = 2, WorldSeed = 3, MaxCardinality = 200, Day = 1 }, day1, null);
        string cache = _dir.File("cache");
        var (code, _, err) = CliRunner.Run("train", "--data", day0, "--model", "fm", "--epochs", "1", "--min-count", "2", "--out", m0, "--cache-dir", cache, "--quiet");
        Assert.True(code == 0, err);

        (code, _, err) = CliRunner.Run("train", "--data", day1, "--init-from", m0, "--epochs", "1", "--out", m1, "--cache-dir", cache, "--quiet");
        Assert.True(code == 0, err);
        Assert.Contains("Warm start from", err);
        var first = ModelFile.Load(m0);
        var same = ModelFile.Load(m1);
        Assert.Equal(first.FeatureMap.Hash, same.FeatureMap.Hash);   // new values went to OOV
        Assert.Equal("fm", same.Model.Config.Model);

        (code, _, err) = CliRunner.Run("train", "--data", day1, "--init-from", m0, "--extend-vocab", "--epochs", "1", "--min-count", "2", "--out", m2, "--cache-dir", cache, "--quiet");
        Assert.True(code == 0, err);
        var grown = ModelFile.Load(m2);
        Assert.True(grown.FeatureMap.FeatureCount > first.FeatureMap.FeatureCount, "day 1's new values should have been added");
        Assert.Contains("new", err);
    }

    [Fact]
    public void RefusesModelOptionsAndExtendWithoutAModel()
    {
        string day0 = _dir.File("d0.tsv");
        CriteoSynth.Generate(new SynthOptions { Rows = 500, Seed = 1 }, day0, null);
        var (code, _, err) = CliRunner.Run("train", "--data", day0, "--extend-vocab");
        Assert.Equal(1, code);
        Assert.Contains("--extend-vocab needs --init-from", err);
        (code, _, err) = CliRunner.Run("train", "--data", day0, "--init-from", _dir.File("missing.dfm"));
        Assert.Equal(1, code);
        Assert.Contains("missing.dfm", err);
        File.WriteAllText(_dir.File("fake.dfm"), "not a model");
        (code, _, err) = CliRunner.Run("train", "--data", day0, "--init-from", _dir.File("fake.dfm"), "--hidden", "8");
        Assert.Equal(1, code);
        Assert.Contains("--hidden cannot be given with it", err);
    }
}
