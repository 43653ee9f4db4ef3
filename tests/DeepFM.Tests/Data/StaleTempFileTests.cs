using DeepFM.Data;
using DeepFM.IO;
using DeepFM.Preparation;
using DeepFM.Serialization;
using DeepFM.Synthetic;
using DeepFM.Tests.Cli;

namespace DeepFM.Tests.Data;

/// <summary>Temporaries left by a killed save or prepare are removed by the next one; a live writer's are kept.</summary>
public class StaleTempFileTests
{
    private const int DeadPid = 99_999_999;   // above any pid_max: no such process

    private static string Fake(string path, DateTime? written = null)
    {
        File.WriteAllText(path, "partial");
        if (written is { } t) File.SetLastWriteTimeUtc(path, t);
        return path;
    }

    [Fact]
    public void ModelSaveRemovesTemporariesOfDeadWritersAndKeepsLiveOnes()
    {
        using var dir = new TempDir();
        string data = dir.File("d.tsv");
        CriteoSynth.Generate(new SynthOptions { Rows = 400, Seed = 1, WorldSeed = 7, MaxCardinality = 100 }, data, null);
        string model = dir.File("m.dfm");
        Assert.Equal(0, CliRunner.Run("train", "--data", data, "--out", model, "--cache-dir", dir.Path, "--model", "lr", "--epochs", "1", "--quiet").Code);
        var saved = ModelFile.Load(model);

        string dead = Fake($"{model}.tmp-{DeadPid}-0123456789ab");
        string legacyOld = Fake($"{model}.tmp-1a2b3c4d", DateTime.UtcNow.AddMinutes(-5));   // older naming, no pid
        string legacyFresh = Fake($"{model}.tmp-5e6f7a8b");
        string live = Fake($"{model}.tmp-{Environment.ProcessId}-0123456789ab", DateTime.UtcNow.AddDays(-2));
        string liveOther = Fake($"{model}.tmp-1-0123456789ab", DateTime.UtcNow.AddDays(-2));   // pid 1 always runs
        string otherOutput = Fake(dir.File($"other.dfm.tmp-{DeadPid}-0123456789ab"));

        ModelFile.Save(model, saved);

        Assert.False(File.Exists(dead));
        Assert.False(File.Exists(legacyOld));
        Assert.True(File.Exists(legacyFresh));
        Assert.True(File.Exists(live));
        if (OperatingSystem.IsLinux()) Assert.True(File.Exists(liveOther));
        Assert.True(File.Exists(otherOutput));
        Assert.Equal(saved.Model.ParameterCount(), ModelFile.Load(model).Model.ParameterCount());
    }

    [Fact]
    public void TemporaryNamesCarryTheWriterProcessId()
    {
        Assert.Contains($".tmp-{Environment.ProcessId}-", TempFiles.NewPath("/x/m.dfm"));
        Assert.Contains($".tmp-slots-{Environment.ProcessId}-", TempFiles.NewPath("/x/c.cache", "slots"));
    }

    [Fact]
    public void PrepareRemovesStaleSpillsAndACancelledPrepareLeavesNoTemporaries()
    {
        using var dir = new TempDir();
        string data = dir.File("d.tsv");
        CriteoSynth.Generate(new SynthOptions { Rows = 10_000, Seed = 1, WorldSeed = 7, MaxCardinality = 100 }, data, null);
        string cache = dir.File("d.cache");
        string staleSpill = Fake($"{cache}.tmp-slots-{DeadPid}-0123456789ab");
        string staleCache = Fake($"{cache}.tmp-{DeadPid}-0123456789ab");
        using (DataPipeline.Prepare(data, cache, new DataOptions(), new SplitOptions { ValidFraction = 0.1 })) { }
        Assert.False(File.Exists(staleSpill));
        Assert.False(File.Exists(staleCache));

        // Ctrl-C (a cancelled token) stops the prepare and deletes its spill and partial cache.
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        string second = dir.File("e.cache");
        Assert.ThrowsAny<OperationCanceledException>(() => DataPipeline.Prepare(data, second, new DataOptions(), new SplitOptions { ValidFraction = 0.1 }, cancelled.Token));
        Assert.Empty(Directory.GetFiles(dir.Path, "e.cache*"));
    }
}
