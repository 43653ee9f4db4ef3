using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using DeepFM.Data;
using DeepFM.Models;
using DeepFM.Preparation;
using DeepFM.Serialization;
using DeepFM.Synthetic;

namespace DeepFM.Bench;

/// <summary>
/// Resident memory of <c>deepfm serve</c> as a function of its worker count: DeepFM (k = 10, 400-400-400, random
/// weights) over a feature map of at least a million features, served by the real tool in its own process with each
/// worker count in turn; batched requests from more clients than workers keep every worker scoring, then VmRSS and
/// VmHWM are read from /proc. With the weights shared, 8 workers should cost little more than 1 (their batches and
/// workspaces), where one model copy per worker would multiply the embedding table.
/// </summary>
internal static class ServeMemoryBench
{
    public static int Run(string[] args)
    {
        long rows = 1_500_000;
        int[] workerCounts = [1, 8];
        double seconds = 4;
        string dir = Path.Combine(Path.GetTempPath(), "deepfm-serve-memory");
        string? cli = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows": rows = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--workers": workerCounts = [.. args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--dir": dir = args[++i]; break;
                case "--cli": cli = args[++i]; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        cli ??= FindCli();
        if (cli is null || !File.Exists(cli))
        {
            Console.Error.WriteLine("serve-memory: DeepFM.Cli.dll not found; build src/DeepFM.Cli -c Release or pass --cli PATH.");
            return 2;
        }
        return RunAsync(rows, workerCounts, seconds, dir, cli).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(long rows, int[] workerCounts, double seconds, string dir, string cli)
    {
        Directory.CreateDirectory(dir);
        string data = Path.Combine(dir, $"synth-{rows}.tsv"), modelPath = Path.Combine(dir, $"deepfm-{rows}.dfm");
        if (!File.Exists(data)) CriteoSynth.Generate(new SynthOptions { Rows = rows, Seed = 1 }, data, null);
        long features;
        using (var prepared = DataPipeline.Prepare(data, Path.Combine(dir, $"synth-{rows}.cache"), new DataOptions { Format = DataFormat.Criteo, MinCount = 1 }, SplitOptions.None))
        {
            features = prepared.FeatureMap.FeatureCount;
            var config = new ModelConfig { Model = "deepfm", EmbeddingSize = 10, Hidden = [400, 400, 400], Seed = 1 };
            var model = ModelRegistry.Create(config, new FeatureSpace(prepared.FieldCount, prepared.FeatureMap.FeatureCount));
            ModelFile.Save(modelPath, new SavedModel(model, prepared.FeatureMap, new ModelMetadata { TrainData = data }));
        }
        // A batch of 1,000 rows as TSV: the same text format the model was prepared from.
        byte[] body = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', File.ReadLines(data).Take(1000)));
        double modelMiB = new FileInfo(modelPath).Length / 1048576.0;
        Console.WriteLine($"serve-memory: DeepFM k=10 400-400-400, {features:N0} features (embedding + order-1 tables {features * 11 * 4 / 1048576.0:F0} MiB), " +
                          $"model file {modelMiB:F0} MiB, {Environment.ProcessorCount} cores");
        Console.WriteLine("| workers | clients | requests | VmRSS after load (MiB) | VmRSS under load (MiB) | VmHWM (MiB) |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
        var peaks = new List<(int Workers, double Hwm)>();
        foreach (int workers in workerCounts)
        {
            int port = FreePort();
            var psi = new ProcessStartInfo("dotnet")
            {
                ArgumentList = { cli, "serve", "--model", modelPath, "--urls", $"http://127.0.0.1:{port}", "--workers", workers.ToString(CultureInfo.InvariantCulture) },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var server = Process.Start(psi)!;
            _ = server.StandardOutput.ReadToEndAsync();
            _ = server.StandardError.ReadToEndAsync();
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
                await WaitHealthy(http, server);
                double loaded = Status(server.Id, "VmRSS");
                int clients = 2 * workerCounts.Max();   // the same load for every worker count
                long requests = 0;
                var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
                await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
                {
                    while (Stopwatch.GetTimestamp() < deadline)
                    {
                        using var content = new ByteArrayContent(body);
                        content.Headers.ContentType = new MediaTypeHeaderValue("text/tab-separated-values");
                        using var response = await http.PostAsync("/v1/predict", content);
                        response.EnsureSuccessStatusCode();
                        Interlocked.Increment(ref requests);
                    }
                })));
                double underLoad = Status(server.Id, "VmRSS"), hwm = Status(server.Id, "VmHWM");
                peaks.Add((workers, hwm));
                Console.WriteLine($"| {workers} | {clients} | {requests:N0} | {loaded:F0} | {underLoad:F0} | {hwm:F0} |");
            }
            finally
            {
                if (!server.HasExited) server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }
        }
        if (peaks.Count >= 2)
            Console.WriteLine($"peak RSS, {peaks[^1].Workers} workers / {peaks[0].Workers}: {peaks[^1].Hwm / peaks[0].Hwm:F3}");
        return 0;
    }

    private static async Task WaitHealthy(HttpClient http, Process server)
    {
        var until = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < until)
        {
            if (server.HasExited) throw new InvalidOperationException($"deepfm serve exited with {server.ExitCode} before it was healthy.");
            try
            {
                using var r = await http.GetAsync("/healthz");
                if (r.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException("deepfm serve did not become healthy within 2 minutes.");
    }

    /// <summary>A field of /proc/PID/status in MiB (the kernel reports kB).</summary>
    private static double Status(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        return double.NaN;
    }

    private static int FreePort()
    {
        var l = new TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static string? FindCli()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "src", "DeepFM.Cli", "bin", "Release", "net10.0", "DeepFM.Cli.dll");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
