using System.Diagnostics;
using System.Globalization;
using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Features;

namespace DeepFM.Bench;

/// <summary>
/// Text → cache throughput (issue 4) on one Criteo TSV, by stage: read lines, parse rows, count (parse + count + build
/// the map, no spill), pass 1 of Prepare (parse + count + slot spill + build the map), encode (parse + encode with a
/// built map, as files encoded with an existing map are), and the whole Prepare (pass 1, then the cache written from
/// the spill). Reports CPU time (all threads of the process) and wall
/// time per stage, medians over repetitions, as MB per CPU-second ("per core") and MB per wall-second.
/// </summary>
internal static class PrepareBench
{
    public static int Run(string[] args)
    {
        string? file = null;
        int reps = 5, minCount = 10;
        string stages = "lines,parse,count,pass1,encode,prepare";
        string cache = Path.Combine(Path.GetTempPath(), $"deepfm-prepbench-{Environment.ProcessId}.cache");
        bool keep = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--file": file = args[++i]; break;
                case "--reps": reps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--min-count": minCount = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--stages": stages = args[++i]; break;
                case "--cache": cache = args[++i]; keep = true; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        if (file is null) { Console.Error.WriteLine("prepare: --file is required"); return 2; }
        double mb = new FileInfo(file).Length / 1e6;
        var options = new DataOptions { Format = DataFormat.Criteo, MinCount = minCount };
        Console.WriteLine($"file {Path.GetFileName(file)}: {mb:F1} MB, reps {reps}, cores {Environment.ProcessorCount}");
        FeatureMap? map = null;
        foreach (string stage in stages.Split(','))
        {
            Action body = stage switch
            {
                "lines" => () =>
                {
                    using var lr = new LineReader(file);
                    long n = 0;
                    while (lr.TryReadLine(out var line)) n += line.Length;
                    GC.KeepAlive(n);
                },
                "parse" => () =>
                {
                    using var rr = RowReader.Open(file, DataFormat.Criteo, null, null, null, false);
                    while (rr.Next()) { }
                },
                "pass1" => () =>
                {
                    // Prepare's pass 1: parse, count, spill the slots to a temporary file, build the map.
                    using var spill = new SlotSpill($"{cache}.tmp-slots-bench");
                    GC.KeepAlive(VocabularyScan.Scan(file, options, SplitOptions.None, spill));
                },
                "count" => () =>
                {
                    using var rr = RowReader.Open(file, DataFormat.Criteo, null, null, null, false);
                    var b = new FeatureMapBuilder(rr.Fields, options.NumericEncoding);
                    while (rr.Next()) b.Count(rr.Row);
                    GC.KeepAlive(b.Build(minCount, new ReaderSettings(DataFormat.Criteo)));
                },
                "encode" => () =>
                {
                    map ??= BuildMap(file, options);
                    using var rr = RowReader.Open(file, DataFormat.Criteo, null, null, map.Specs, false);
                    int m = map.FieldCount;
                    var ids = new int[m];
                    var vals = new float[m];
                    while (rr.Next()) map.EncodeRow(rr.Row, ids, vals);
                },
                "prepare" => () =>
                {
                    using var p = DataPipeline.Prepare(file, cache, options, SplitOptions.None);
                },
                _ => throw new ArgumentException($"unknown stage {stage}"),
            };
            var cpu = new List<double>();
            var wall = new List<double>();
            for (int r = 0; r < reps; r++)
            {
                GC.Collect();
                var proc = Process.GetCurrentProcess();
                var c0 = proc.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                body();
                sw.Stop();
                proc.Refresh();
                cpu.Add((proc.TotalProcessorTime - c0).TotalSeconds);
                wall.Add(sw.Elapsed.TotalSeconds);
            }
            double mc = Median(cpu), mw = Median(wall);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{stage,-8} cpu {mc,7:F3} s  wall {mw,7:F3} s  {mb / mc,7:F1} MB/s per core  {mb / mw,7:F1} MB/s wall   (cpu: {string.Join(' ', cpu.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))})"));
        }
        if (!keep && File.Exists(cache)) File.Delete(cache);
        return 0;
    }

    private static FeatureMap BuildMap(string file, DataOptions options)
    {
        using var rr = RowReader.Open(file, DataFormat.Criteo, null, null, null, false);
        var b = new FeatureMapBuilder(rr.Fields, options.NumericEncoding);
        while (rr.Next()) b.Count(rr.Row);
        return b.Build(options.MinCount, new ReaderSettings(DataFormat.Criteo));
    }

    private static double Median(List<double> xs)
    {
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
