using System.Diagnostics;
using DeepFM.Serialization;
using DeepFM.Synthetic;
using DeepFM.Tests.Cli;
using Xunit.Abstractions;

namespace DeepFM.Tests.Distributed;

/// <summary>
/// The Open MPI layer and <c>deepfm train --distributed mpi</c>, run for real: the tool started as 2 and 3 ranks by
/// <c>mpirun --oversubscribe</c>. One class, so its jobs run one after another and do not crowd a small machine.
/// </summary>
public sealed class MpiTests(ITestOutputHelper output)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(3);

    [MpiFact]
    public void The_calls_give_the_known_answers_on_two_and_three_ranks()
    {
        foreach (int ranks in new[] { 2, 3 })
        {
            var (code, stdout, stderr) = MpiRunner.Run(ranks, JobTimeout, "mpi-check", "collectives");
            output.WriteLine(stdout + stderr);
            Assert.True(code == 0, $"exit {code}: {stdout}{stderr}");
            for (int r = 0; r < ranks; r++) Assert.Contains($"rank {r} of {ranks}: ok", stdout);
        }
    }

    /// <summary>Training arguments shared by the single-process and the distributed runs: dropout on, batch norm as
    /// asked (its statistics are summed over the ranks), lazy embedding updates so the sparse exchange runs.</summary>
    private static string[] TrainArgs(string data, string cache, string model, bool batchNorm = false) =>
    [
        "train", "--data", data, "--cache-dir", cache, "--model", model, "--embedding-size", "4", "--hidden", "16,16",
        "--dropout", "0.3", "--batch-norm", batchNorm ? "true" : "false", "--embedding-update", "lazy", "--optimizer", "adam",
        "--batch-size", "200", "--epochs", "2", "--threads", "1", "--quiet",
    ];

    [MpiFact]
    public void Ranks_train_what_one_process_trains_and_agree_with_each_other_bit_for_bit()
    {
        using var dir = new TempDir();
        string data = dir.File("s.tsv");
        CriteoSynth.Generate(new SynthOptions { Rows = 2500, Seed = 4 }, data, null);
        foreach (var (name, model, batchNorm) in new[] { ("deepfm", "deepfm", false), ("fm", "fm", false), ("deepfm-bn", "deepfm", true) })
        {
            string cache = dir.File("cache-" + name);
            string[] Args() => TrainArgs(data, cache, model, batchNorm);
            // The distributed runs first: rank 0 prepares the cache while the other ranks wait for it.
            foreach (int ranks in new[] { 2, 3 })
            {
                string path = dir.File($"{name}-{ranks}.dfm");
                var (code, stdout, stderr) = MpiRunner.Run(ranks, JobTimeout, [.. Args(), "--distributed", "mpi", "--out", path]);
                output.WriteLine($"{name}, {ranks} ranks:\n{stdout}{stderr}");
                Assert.True(code == 0, $"exit {code}: {stdout}{stderr}");
                Assert.Contains($"replicas   {ranks} ranks, parameters identical", stdout);
                Assert.Single(stdout.Split('\n'), l => l.StartsWith("saved", StringComparison.Ordinal));   // rank 0 alone prints and saves
                File.WriteAllText(dir.File($"{name}-{ranks}.out"), stdout);
            }
            string single = dir.File($"{name}-1.dfm");
            var one = CliRunner.Run([.. Args(), "--out", single]);
            Assert.True(one.Code == 0, one.Err);
            var reference = ModelFile.Load(single).Model;
            foreach (int ranks in new[] { 2, 3 })
            {
                float diff = DataParallelTrainingTests.MaxDifference(reference, ModelFile.Load(dir.File($"{name}-{ranks}.dfm")).Model);
                output.WriteLine($"{name}, {ranks} ranks: largest difference from one process {diff:G3}");
                Assert.True(diff <= DataParallelTrainingTests.Tolerance, $"{name}, {ranks} ranks: largest difference {diff}");
                // The same validation AUC and logloss to 5 digits; not with batch norm and Adam, whose dead biases move
                // the evaluation outputs (DataParallelTrainingTests.MaxDifference says why).
                if (!batchNorm) Assert.Equal(ValidLine(one.Out), ValidLine(File.ReadAllText(dir.File($"{name}-{ranks}.out"))));
            }
        }
    }

    private static string ValidLine(string stdout) => stdout.Split('\n').Single(l => l.StartsWith("valid ", StringComparison.Ordinal)).Trim();

    [MpiTwoHostsFact]
    public void Two_hosts_joined_by_tcp_alone_train_what_one_process_trains()
    {
        using var dir = new TempDir();
        string data = dir.File("s.tsv");
        CriteoSynth.Generate(new SynthOptions { Rows = 2500, Seed = 4 }, data, null);
        string cache = dir.File("cache");
        var one = CliRunner.Run([.. TrainArgs(data, cache, "deepfm"), "--out", dir.File("one.dfm")]);   // prepares the cache both hosts read
        Assert.True(one.Code == 0, one.Err);
        string script = Path.Combine(Data.DataTestUtil.RepoRoot()!, "tools", "mpi-two-hosts.sh");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, $"dfm{Environment.ProcessId}", "dotnet", MpiRunner.CliDll()! }) psi.ArgumentList.Add(a);
        foreach (var a in TrainArgs(data, cache, "deepfm")) psi.ArgumentList.Add(a);
        foreach (var a in new[] { "--distributed", "mpi", "--out", dir.File("two.dfm") }) psi.ArgumentList.Add(a);
        using var job = Process.Start(psi)!;
        var stdout = job.StandardOutput.ReadToEndAsync();
        var stderr = job.StandardError.ReadToEndAsync();
        if (!job.WaitForExit(JobTimeout)) job.Kill(entireProcessTree: true);
        job.WaitForExit();
        output.WriteLine(stdout.Result + stderr.Result);
        Assert.True(job.ExitCode == 0, $"exit {job.ExitCode}: {stdout.Result}{stderr.Result}");
        Assert.Contains("replicas   2 ranks, parameters identical", stdout.Result);
        float diff = DataParallelTrainingTests.MaxDifference(ModelFile.Load(dir.File("one.dfm")).Model, ModelFile.Load(dir.File("two.dfm")).Model);
        output.WriteLine($"two hosts: largest difference from one process {diff:G3}");
        Assert.True(diff <= DataParallelTrainingTests.Tolerance, $"largest difference {diff}");
    }

    [MpiFact]
    public void A_killed_rank_ends_the_others_within_ten_seconds()
    {
        using var job = Process.Start(MpiRunner.StartInfo(3, ["mpi-check", "spin"]))!;
        var stderr = job.StandardError.ReadToEndAsync();
        var pids = new Dictionary<int, int>();
        var clock = Stopwatch.StartNew();
        while (pids.Count < 3 && clock.Elapsed < JobTimeout && job.StandardOutput.ReadLine() is { } line)
        {
            var words = line.Split(' ');   // "rank R pid P ready"
            if (words is ["rank", var r, "pid", var p, "ready"]) pids[int.Parse(r)] = int.Parse(p);
        }
        Assert.True(pids.Count == 3, $"the ranks did not start: {stderr}");
        _ = job.StandardOutput.ReadToEndAsync();
        Process.GetProcessById(pids[1]).Kill();
        var killed = Stopwatch.StartNew();
        bool ended = job.WaitForExit(TimeSpan.FromSeconds(10));
        if (!ended) job.Kill(entireProcessTree: true);
        output.WriteLine($"mpirun ended {killed.Elapsed.TotalSeconds:F1} s after the kill, exit {(ended ? job.ExitCode : -1)}");
        Assert.True(ended, "the other ranks were still running 10 s after one was killed");
        Assert.NotEqual(0, job.ExitCode);
        // mpirun has signalled the other ranks; they must be gone within the same 10 s.
        foreach (int rank in new[] { 0, 2 })
        {
            while (Alive(pids[rank]) && killed.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(50);
            Assert.False(Alive(pids[rank]), $"rank {rank} still runs 10 s after rank 1 was killed");
        }
        output.WriteLine($"all ranks gone {killed.Elapsed.TotalSeconds:F1} s after the kill");
    }

    [MpiFact]
    public void A_rank_killed_mid_epoch_ends_the_training_within_ten_seconds()
    {
        using var dir = new TempDir();
        string data = dir.File("s.tsv");
        CriteoSynth.Generate(new SynthOptions { Rows = 3000, Seed = 4 }, data, null);
        // Small batches and many epochs without validation: the job trains far longer than the test waits.
        string[] args = ["train", "--data", data, "--cache-dir", dir.File("cache"), "--hidden", "16", "--batch-size", "8", "--epochs", "1000",
            "--valid-fraction", "0", "--threads", "1", "--distributed", "mpi"];
        using var job = Process.Start(MpiRunner.StartInfo(3, args))!;
        _ = job.StandardOutput.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < JobTimeout && job.StandardError.ReadLine() is { } line && !line.StartsWith("Distributed:", StringComparison.Ordinal)) { }
        var stderr = job.StandardError.ReadToEndAsync();
        Thread.Sleep(1500);   // well into the first epoch
        var ranks = File.ReadAllText($"/proc/{job.Id}/task/{job.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        Assert.True(ranks.Length == 3 && !job.HasExited, $"expected 3 training ranks under mpirun: {stderr}");
        Process.GetProcessById(ranks[^1]).Kill();
        var killed = Stopwatch.StartNew();
        bool ended = job.WaitForExit(TimeSpan.FromSeconds(10));
        if (!ended) job.Kill(entireProcessTree: true);
        output.WriteLine($"mpirun ended {killed.Elapsed.TotalSeconds:F1} s after the kill");
        Assert.True(ended, "the other ranks were still training 10 s after one was killed");
        Assert.NotEqual(0, job.ExitCode);
        foreach (int pid in ranks[..^1])
        {
            while (Alive(pid) && killed.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(50);
            Assert.False(Alive(pid), $"rank process {pid} still runs 10 s after another was killed");
        }
    }

    /// <summary>Whether a process runs (a zombie, dead but not yet reaped, counts as gone).</summary>
    private static bool Alive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    [MpiFact]
    public void A_failing_rank_prints_its_error_and_ends_the_job()
    {
        using var dir = new TempDir();
        var (code, stdout, stderr) = MpiRunner.Run(2, JobTimeout, "train", "--data", dir.File("missing.tsv"), "--distributed", "mpi");
        output.WriteLine(stdout + stderr);
        Assert.NotEqual(0, code);
        Assert.Contains("error (rank 0 of 2)", stderr);
        Assert.Contains("missing.tsv: file not found", stderr);
        Assert.DoesNotContain("   at ", stderr);   // a user's mistake: no stack trace
    }
}
