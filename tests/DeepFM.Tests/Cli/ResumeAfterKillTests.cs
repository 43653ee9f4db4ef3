using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using DeepFM.Serialization;
using DeepFM.Synthetic;
using Xunit.Abstractions;

namespace DeepFM.Tests.Cli;

/// <summary>
/// Exact resume as it happens in life: <c>deepfm train --checkpoint-dir</c> runs as its own process and is killed
/// with SIGKILL at a random point after one of its checkpoints (possibly while writing the next); <c>deepfm train
/// --resume</c> then finishes it, and the saved model must be bitwise the model of a run that was never killed (and
/// wrote no checkpoints). DeepFM at its defaults (dropout and batch norm) and FM with lazy Adam, several kill points.
/// </summary>
public sealed class ResumeAfterKillTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string> Models => new()
    {
        { "deepfm", "--hidden 64,64" },
        { "fm", "--optimizer adam --lr 0.01" },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void KilledRunResumesToTheUninterruptedModel(string model, string extra)
    {
        string data = _dir.File("train.tsv");
        CriteoSynth.Generate(new SynthOptions { Rows = 40_000, Seed = 9 }, data, null);
        string common = $"train --data {data} --model {model} {extra} --batch-size 256 --epochs 3 --eval-every 50 --patience 1000 --cache-dir {_dir.File("cache")} --quiet";

        string reference = _dir.File($"{model}-reference.dfm");
        var (code, log) = RunCli($"{common} --out {reference}");
        Assert.True(code == 0, log);
        string expected = Hash(reference);

        var rng = new Random(model.Length * 7919 + Environment.ProcessId);
        int steps = 3 * (int)Math.Ceiling(40_000 * 0.9 / 256);
        foreach (int point in new[] { 1, 2, 3 }.Take(model == "fm" ? 2 : 3))
        {
            // A checkpoint every 7 steps; kill at a random moment after the checkpoint of a random step in the run.
            string ck = _dir.File($"ck-{model}-{point}"), resumed = _dir.File($"{model}-resumed-{point}.dfm");
            long killAfter = rng.Next(7, steps * 3 / 4);
            using var p = StartCli($"{common} --checkpoint-dir {ck} --checkpoint-every 7 --out {resumed}");
            var clock = Stopwatch.StartNew();
            while (!p.HasExited && NewestStep(ck) < killAfter && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(2);
            Thread.Sleep(rng.Next(0, 20));
            bool killed = !p.HasExited;
            if (killed) p.Kill();
            p.WaitForExit();
            Assert.True(killed, $"the run ended before the kill point (step {killAfter}); exit {p.ExitCode}");
            Assert.False(File.Exists(resumed), "a killed run must not leave its model");
            output.WriteLine($"{model}: killed after checkpoint step {NewestStep(ck)} (target {killAfter} of {steps})");

            (code, log) = RunCli($"train --resume {ck}");
            Assert.True(code == 0, log);
            Assert.Contains("Resuming from", log);
            Assert.Equal(expected, Hash(resumed));
        }
    }

    [Fact]
    public void ResumeRefusesOptionsThatWouldChangeTheRunAndFoldersWithoutCheckpoints()
    {
        string empty = _dir.File("empty");
        Directory.CreateDirectory(empty);
        var (code, log) = RunCli($"train --resume {empty}");
        Assert.Equal(1, code);
        Assert.Contains("no valid checkpoint", log);
        (code, log) = RunCli($"train --resume {empty} --epochs 9");
        Assert.Equal(1, code);
        Assert.Contains("--epochs cannot be given with it", log);
        (code, log) = RunCli($"train --resume {_dir.File("missing")}");
        Assert.Equal(1, code);
        Assert.Contains("not found", log);
        (code, log) = RunCli($"train --checkpoint-dir {_dir.File("ck")} --checkpoint-every 10x --epochs 1");
        Assert.Equal(1, code);
        Assert.Contains("--checkpoint-every", log);
        Assert.DoesNotContain("   at ", log);
    }

    private static long NewestStep(string dir)
    {
        var files = Checkpoint.List(dir);
        if (files.Count == 0) return -1;
        string name = Path.GetFileNameWithoutExtension(files[^1]);
        return long.Parse(name["ckpt-".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Hash(string modelPath)
    {
        var saved = ModelFile.Load(modelPath);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in saved.Model.Parameters().OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(p.Name));
            sha.AppendData(MemoryMarshal.AsBytes(p.Value.AsSpan()));
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    private Process StartCli(string args)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir.Path };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DeepFM.Cli.dll"));
        foreach (string a in args.Split(' ', StringSplitOptions.RemoveEmptyEntries)) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var p = Process.Start(info)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private (int Code, string Log) RunCli(string args)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir.Path };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DeepFM.Cli.dll"));
        foreach (string a in args.Split(' ', StringSplitOptions.RemoveEmptyEntries)) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        string log = stdout.Result + stderr.Result;
        output.WriteLine($"deepfm {args} -> {p.ExitCode}\n{log}");
        return (p.ExitCode, log);
    }
}
