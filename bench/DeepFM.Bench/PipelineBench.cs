using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Engine;
using DeepFM.Evaluation;
using DeepFM.Models;
using DeepFM.Pipeline;
using DeepFM.Synthetic;
using DeepFM.Training;

namespace DeepFM.Bench;

/// <summary>
/// End-to-end figures on `synth` data (issues 2 and 4): text → cache MB/s, training rows/s for LR, FM and DeepFM at the
/// paper's settings, scoring rows/s, peak memory, and test AUC/logloss beside the truth file's — and, when PyTorch is
/// installed, the same run of ../shared/peers/torch_deepfm.py in the same invocation, so every figure has a ratio.
/// Split as the reference does: the first 90% of rows train, the last 10% test.
/// </summary>
internal static class PipelineBench
{
    public static int Run(string[] args)
    {
        long rows = 1_000_000;
        int epochs = 1;
        bool torch = true;
        int blockRows = 0;
        string dir = Path.Combine(Path.GetTempPath(), "deepfm-bench");
        string[] models = ["lr", "fm", "deepfm"];
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows": rows = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--epochs": epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--no-torch": torch = false; break;
                case "--dir": dir = args[++i]; break;
                case "--models": models = args[++i].Split(','); break;
                case "--block-shuffle": blockRows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        Directory.CreateDirectory(dir);
        string all = Path.Combine(dir, $"synth-{rows}.tsv"), truthAll = Path.Combine(dir, $"synth-{rows}.truth");
        string train = Path.Combine(dir, $"synth-{rows}.train.tsv"), test = Path.Combine(dir, $"synth-{rows}.test.tsv");
        long testRows = rows / 10;
        if (!File.Exists(all))
        {
            var s = CriteoSynth.Generate(new SynthOptions { Rows = rows, Seed = 1 }, all, truthAll);
            Console.Error.WriteLine($"synth: {rows:N0} rows in {s.Elapsed.TotalSeconds:F1} s");
        }
        SplitByPosition(all, train, test, rows - testRows);
        var truth = File.ReadLines(truthAll).Skip((int)(rows - testRows)).Select(l => float.Parse(l, CultureInfo.InvariantCulture)).ToArray();

        var report = new List<(string What, string Ours, string Reference, string Ratio)>();
        // Text → cache: pass 1 builds vocabularies (min count 10), pass 2 encodes.
        string cache = Path.Combine(dir, "train.cache");
        var options = new DataOptions { Format = DataFormat.Criteo, MinCount = 10 };
        var clock = Stopwatch.StartNew();
        using var prepared = DataPipeline.Prepare(train, cache, options, SplitOptions.None);
        double prepSeconds = clock.Elapsed.TotalSeconds;
        double mb = new FileInfo(train).Length / 1e6;
        using var testData = DataPipeline.EncodeWith(test, prepared.FeatureMap, null);
        var labels = Predictor.Labels(testData.All);
        double truthAuc = Metrics.Auc(truth, labels), truthLogloss = Metrics.Logloss(truth, labels);
        Console.Error.WriteLine($"prepare: {mb:F0} MB in {prepSeconds:F1} s; {prepared.Count:N0} train rows, {prepared.FeatureMap.FeatureCount:N0} features");

        var space = new FeatureSpace(prepared.FieldCount, prepared.FeatureMap.FeatureCount);
        var results = new Dictionary<string, (double RowsPerSec, double Auc, double Logloss, double ScoreRowsPerSec)>();
        foreach (string name in models)
        {
            // What `deepfm train --preset paper --seed 1` trains (the reference's recipe), for the epochs asked.
            var config = Preset.Paper.ModelFor(name) with { Seed = 1 };
            var model = ModelRegistry.Create(config, space);
            var opts = Preset.Paper.TrainingFor(name) with { Epochs = epochs, Seed = 1 };
            // --block-shuffle N: blocks of N rows, shuffled in windows of 8 blocks, instead of a full shuffle.
            ISampler? sampler = blockRows > 0 ? new BlockShuffleSampler(opts.Seed, blockRows) : null;
            var result = new Trainer(opts, sampler: sampler).Fit(model, prepared.All, null);
            clock.Restart();
            var p = Predictor.Predict(model, testData.All);
            double scoreRate = p.Length / clock.Elapsed.TotalSeconds;
            var eval = EvalResult.Of(p, labels);
            results[name] = (result.RowsPerSecond, eval.Auc, eval.Logloss, scoreRate);
            Console.Error.WriteLine($"{name}: {result.RowsPerSecond:N0} rows/s, test AUC {eval.Auc:F4} logloss {eval.Logloss:F4}, scoring {scoreRate:N0} rows/s");
        }
        double peakMb = PeakRssMb();

        Dictionary<string, JsonElement>? reference = null;
        var refByModel = new Dictionary<string, Dictionary<string, JsonElement>>();
        if (torch && TorchAvailable())
        {
            foreach (string name in models)
            {
                var r = RunReference(all, truthAll, name, testRows, epochs, dir);
                if (r is not null) refByModel[name] = r;
            }
            refByModel.TryGetValue("deepfm", out reference);
        }

        string Ratio(double ours, double theirs) => theirs > 0 ? (ours / theirs).ToString("F2", CultureInfo.InvariantCulture) + "×" : "–";
        double RefNum(string model, string key) => refByModel.TryGetValue(model, out var d) && d.TryGetValue(key, out var v) ? v.GetDouble() : double.NaN;

        double refPrep = reference is null ? double.NaN : reference["preprocess_s"].GetDouble();
        double allMb = new FileInfo(all).Length / 1e6;
        report.Add(("text → cache (MB/s)", F(mb / prepSeconds, 1), F(allMb / refPrep, 1), Ratio(mb / prepSeconds, allMb / refPrep)));
        foreach (string name in models)
        {
            var r = results[name];
            double refRate = RefNum(name, "train_examples_per_s");
            report.Add(($"{name} training (rows/s)", F(r.RowsPerSec, 0), F(refRate, 0), Ratio(r.RowsPerSec, refRate)));
        }
        foreach (string name in models)
        {
            var r = results[name];
            report.Add(($"{name} test AUC / logloss", $"{r.Auc:F4} / {r.Logloss:F4}", $"{F(RefNum(name, "test_auc"), 4)} / {F(RefNum(name, "test_logloss"), 4)}", $"ΔAUC {F(r.Auc - RefNum(name, "test_auc"), 4)}"));
        }
        foreach (string name in models)
            report.Add(($"{name} scoring (rows/s)", F(results[name].ScoreRowsPerSec, 0), "", ""));
        double refPeak = reference is null ? double.NaN : reference["peak_rss_mb"].GetDouble();
        report.Add(("peak memory (MB)", F(peakMb, 0), F(refPeak, 0), Ratio(peakMb, refPeak)));
        report.Add(("truth AUC / logloss (test rows)", $"{truthAuc:F4} / {truthLogloss:F4}", "", ""));

        Console.WriteLine($"Rows {rows:N0} ({rows - testRows:N0} train, {testRows:N0} test), epochs {epochs}, threads {Environment.ProcessorCount}, {DateTime.UtcNow:yyyy-MM-dd}");
        Console.WriteLine();
        Console.WriteLine("| figure | DeepFM.NET | PyTorch reference | ratio |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var (what, ours, theirs, ratio) in report) Console.WriteLine($"| {what} | {ours} | {theirs} | {ratio} |");
        return 0;
    }

    private static string F(double v, int digits) => double.IsNaN(v) ? "–" : v.ToString(digits == 0 ? "N0" : "F" + digits, CultureInfo.InvariantCulture);

    private static void SplitByPosition(string all, string train, string test, long trainRows)
    {
        if (File.Exists(train) && File.Exists(test)) return;
        using var reader = new StreamReader(all);
        using (var tw = new StreamWriter(train))
            for (long i = 0; i < trainRows; i++) tw.WriteLine(reader.ReadLine());
        using var sw = new StreamWriter(test);
        string? line;
        while ((line = reader.ReadLine()) is not null) sw.WriteLine(line);
    }

    /// <summary>Peak resident set size of this process (VmHWM), in MB.</summary>
    public static double PeakRssMb()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        return double.NaN;
    }

    private static bool TorchAvailable()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("/usr/bin/python3", "-c \"import torch\"") { RedirectStandardError = true })!;
            p.WaitForExit();
            return p.ExitCode == 0 && File.Exists(PeerScript());
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    private static string PeerScript()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "DeepFM.slnx"))) d = d.Parent;
        return d is null ? "" : Path.GetFullPath(Path.Combine(d.FullName, "..", "shared", "peers", "torch_deepfm.py"));
    }

    private static Dictionary<string, JsonElement>? RunReference(string data, string truth, string model, long testRows, int epochs, string dir)
    {
        string json = Path.Combine(dir, $"ref-{model}.json");
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { PeerScript(), data, "--model", model, "--test-rows", testRows.ToString(CultureInfo.InvariantCulture), "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--truth", truth, "--json-out", json })
            psi.ArgumentList.Add(a);
        Console.Error.WriteLine($"reference: torch_deepfm.py --model {model} ...");
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 || !File.Exists(json)) return null;
        return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(json));
    }
}
