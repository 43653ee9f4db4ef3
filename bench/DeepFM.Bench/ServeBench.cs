using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Models;
using DeepFM.Serialization;
using DeepFM.Serving;
using DeepFM.Synthetic;

namespace DeepFM.Bench;

/// <summary>
/// The scoring service under load (issue 5): an in-process server on 127.0.0.1 serving DeepFM 400-400-400 (random
/// weights over a feature map prepared from synthetic rows) and an HttpClient load generator on loopback in the same
/// process. Phase 1: single-row JSON requests at a fixed rate (open loop: a request is sent when due, whether or not
/// earlier ones have answered) → p50/p99/max latency from send to body read. Phase 2: batched requests from 1 and 2
/// closed-loop clients → rows/s. Bounded in requests and seconds; loopback only.
/// </summary>
internal static class ServeBench
{
    public static int Run(string[] args)
    {
        int rate = 1000, batchRows = 1000, workers = 0;
        double seconds = 10, batchSeconds = 5;
        string dir = Path.Combine(Path.GetTempPath(), "deepfm-serve-bench");
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rate": rate = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--batch-rows": batchRows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--batch-seconds": batchSeconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--workers": workers = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--dir": dir = args[++i]; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        return RunAsync(rate, seconds, batchRows, batchSeconds, workers, dir).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int rate, double seconds, int batchRows, double batchSeconds, int workers, string dir)
    {
        Directory.CreateDirectory(dir);
        string data = Path.Combine(dir, "synth-20000.tsv"), modelPath = Path.Combine(dir, "deepfm-400x3.dfm");
        if (!File.Exists(data)) CriteoSynth.Generate(new SynthOptions { Rows = 20_000, Seed = 1 }, data, null);
        using (var prepared = DataPipeline.Prepare(data, Path.Combine(dir, "synth.cache"), new DataOptions { Format = DataFormat.Criteo, MinCount = 2 }, SplitOptions.None))
        {
            var config = new ModelConfig { Model = "deepfm", EmbeddingSize = 10, Hidden = [400, 400, 400], Seed = 1 };
            var model = ModelRegistry.Create(config, new FeatureSpace(prepared.FieldCount, prepared.FeatureMap.FeatureCount));
            ModelFile.Save(modelPath, new SavedModel(model, prepared.FeatureMap, new ModelMetadata { TrainData = data }));
        }
        var lines = File.ReadAllLines(data);
        DirectBaseline(modelPath, data, batchRows);
        byte[][] single = [.. Enumerable.Range(0, 1000).Select(i => Encoding.UTF8.GetBytes(JsonRows(lines, i, 1)))];
        byte[] batch = Encoding.UTF8.GetBytes(JsonRows(lines, 0, batchRows));
        byte[] batchTsv = Encoding.UTF8.GetBytes(string.Join('\n', lines.Take(batchRows)));

        await using var server = await ScoringServer.StartAsync(new ServingOptions
        {
            ModelPath = modelPath, Urls = "http://127.0.0.1:0", Watch = false, Workers = workers, MaxRows = Math.Max(batchRows, 10_000),
        });
        var info = server.Models.Current;
        Console.Error.WriteLine($"serve bench: DeepFM 400-400-400, {info.FeatureMap.FeatureCount:N0} features, {info.Workers} workers, " +
                                $"{Environment.ProcessorCount} cores, {server.BaseAddress}");
        using var http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            MaxConnectionsPerServer = 256,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        }) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        // Warm-up: JIT tiers, connection pool, pooled arrays.
        for (int i = 0; i < 3000; i++) await Send(http, single[i % single.Length], "application/json");
        for (int i = 0; i < 20; i++) await Send(http, batch, "application/json");

        // Phase 1: fixed rate, single rows.
        int total = (int)(rate * seconds);
        var latency = new double[total];
        var lag = new double[total];
        var tasks = new Task[total];
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        long t0 = Stopwatch.GetTimestamp();
        double ticksPerRequest = (double)Stopwatch.Frequency / rate;
        for (int i = 0; i < total; i++)
        {
            long due = t0 + (long)(i * ticksPerRequest);
            while (true)
            {
                long left = due - Stopwatch.GetTimestamp();
                if (left <= 0) break;
                // Sleep while well ahead; yield for the last stretch (a spin would take a core from the server).
                if (left > Stopwatch.Frequency / 500) Thread.Sleep(1);
                else Thread.Yield();
            }
            int k = i;
            tasks[i] = Task.Run(async () =>
            {
                long start = Stopwatch.GetTimestamp();
                lag[k] = Ms(start - due);
                await Send(http, single[k % single.Length], "application/json");
                latency[k] = Ms(Stopwatch.GetTimestamp() - start);
            });
        }
        await Task.WhenAll(tasks);
        double elapsed = (Stopwatch.GetTimestamp() - t0) / (double)Stopwatch.Frequency;
        Array.Sort(latency);
        Array.Sort(lag);
        Console.WriteLine($"single-row, {rate:N0} req/s for {seconds:F0} s ({total:N0} requests in {elapsed:F2} s, achieved {total / elapsed:N0} req/s):");
        Console.WriteLine($"  latency ms  p50 {Pct(latency, 50):F3}  p90 {Pct(latency, 90):F3}  p99 {Pct(latency, 99):F3}  p99.9 {Pct(latency, 99.9):F3}  max {latency[^1]:F3}");
        Console.WriteLine($"  send lag ms p50 {Pct(lag, 50):F3}  p99 {Pct(lag, 99):F3}  (scheduler: due time → send)");
        Console.WriteLine($"  GCs: gen0 {GC.CollectionCount(0) - gen0}, gen2 {GC.CollectionCount(2) - gen2}");

        // Phase 2: batched, closed loop.
        foreach (var (body, type, name) in new[] { (batch, "application/json", "JSON"), (batchTsv, "text/tab-separated-values", "TSV") })
        {
            foreach (int clients in new[] { 1, 2 })
            {
                long rowsBefore = server.Metrics.RowsScored;
                var deadline = Stopwatch.GetTimestamp() + (long)(batchSeconds * Stopwatch.Frequency);
                var times = new List<double>[clients];
                long start = Stopwatch.GetTimestamp();
                await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
                {
                    times[c] = [];
                    for (int n = 0; n < 10_000 && Stopwatch.GetTimestamp() < deadline; n++)
                    {
                        long s = Stopwatch.GetTimestamp();
                        await Send(http, body, type);
                        times[c].Add(Ms(Stopwatch.GetTimestamp() - s));
                    }
                })));
                double secs = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
                long rows = server.Metrics.RowsScored - rowsBefore;
                var all = times.SelectMany(t => t).Order().ToArray();
                Console.WriteLine($"batched {name}, {batchRows:N0} rows/request, {clients} client(s): {rows / secs:N0} rows/s " +
                                  $"({all.Length} requests in {secs:F1} s; latency ms p50 {Pct(all, 50):F1} p99 {Pct(all, 99):F1})");
            }
        }
        if (server.Metrics.Errors != 0) { Console.Error.WriteLine($"serve bench: {server.Metrics.Errors} errors"); return 1; }
        return 0;
    }

    /// <summary>Forward passes without HTTP on the same model and rows: the floor the service's figures stand on.</summary>
    private static void DirectBaseline(string modelPath, string data, int batchRows)
    {
        var saved = ModelFile.Load(modelPath);
        using var encoded = DataPipeline.EncodeWith(data, saved.FeatureMap, null);
        foreach (int size in new[] { 1, batchRows })
        {
            var b = new Batch(size, encoded.FieldCount);
            encoded.All.Slice(0, size, b);
            var p = new float[size];
            var ws = new Engine.Workspace(isTraining: false);
            for (int i = 0; i < 50; i++) Training.Predictor.PredictBatch(saved.Model, b, p, ws);
            int reps = Math.Max(20, 20_000 / size);
            long s = Stopwatch.GetTimestamp();
            for (int i = 0; i < reps; i++) Training.Predictor.PredictBatch(saved.Model, b, p, ws);
            double us = Ms(Stopwatch.GetTimestamp() - s) * 1000 / reps;
            Console.WriteLine($"direct forward, {size:N0} row(s): {us:F1} µs/batch, {size * 1e6 / us:N0} rows/s (no HTTP, {ws.Compute.Threads} GEMM threads)");
        }
    }

    private static async Task Send(HttpClient http, byte[] body, string type)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        using var response = await http.PostAsync("/v1/predict", content).ConfigureAwait(false);
        // Read the whole body: a response counts once its last byte is in.
        var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"{(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)}");
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static double Pct(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>Raw Criteo lines as JSON rows: numbers for I fields, strings for C fields, empty values left out.</summary>
    private static string JsonRows(string[] lines, int start, int count)
    {
        var sb = new StringBuilder("{\"rows\":[");
        for (int r = start; r < start + count; r++)
        {
            if (r > start) sb.Append(',');
            sb.Append('{');
            var cols = lines[r].Split('\t');
            bool first = true;
            for (int c = 1; c < cols.Length; c++)
            {
                if (cols[c].Length == 0) continue;
                if (!first) sb.Append(',');
                first = false;
                sb.Append(c <= 13 ? $"\"I{c}\":{cols[c]}" : $"\"C{c - 13}\":{JsonSerializer.Serialize(cols[c])}");
            }
            sb.Append('}');
        }
        return sb.Append("]}").ToString();
    }
}
