using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DeepFM.Tests.Cli;
using static DeepFM.Tests.Serving.ServingFixture;

namespace DeepFM.Tests.Serving;

/// <summary>The scoring service over real HTTP: a Kestrel server on a loopback socket, driven by HttpClient.</summary>
public sealed class ScoringServerTests(ServingFixture fx) : IClassFixture<ServingFixture>
{
    [Fact]
    public async Task JsonPredictionsMatchThePredictorInRequestOrder()
    {
        // Chunks of 64 rows: a 300-row request takes five forward passes through one instance.
        await using var server = await Start(fx.ModelA, o => o with { ChunkRows = 64 });
        using var http = Client(server);
        Close(fx.ExpectedA, await Probabilities(await http.PostAsync("/v1/predict", Json(fx.JsonRows(0, fx.Lines.Length)))));
        // Single rows and a small slice from the middle land on the same values.
        Close(fx.ExpectedA[7..(7 + 1)], await Probabilities(await http.PostAsync("/v1/predict", Json(fx.JsonRows(7, 1)))));
        Close(fx.ExpectedA[100..(100 + 13)], await Probabilities(await http.PostAsync("/v1/predict", Json(fx.JsonRows(100, 13)))));
        Assert.Empty(await Probabilities(await http.PostAsync("/v1/predict", Json("{\"rows\": []}"))));
        Assert.Equal(fx.Lines.Length + 14, server.Metrics.RowsScored);
    }

    [Fact]
    public async Task TsvLinesWithOrWithoutTheLabelGiveTheSamePredictions()
    {
        await using var server = await Start(fx.ModelA);
        using var http = Client(server);
        string labeled = string.Join("\r\n", fx.Lines) + "\n\n";
        Close(fx.ExpectedA, await Probabilities(await http.PostAsync("/v1/predict", Tsv(labeled))));
        string unlabeled = string.Join('\n', fx.Lines.Select(l => l[(l.IndexOf('\t') + 1)..]));
        Close(fx.ExpectedA, await Probabilities(await http.PostAsync("/v1/predict", Tsv(unlabeled))));
        // The label column, when present, is ignored whatever it holds.
        string odd = string.Join('\n', fx.Lines.Take(5).Select(l => "x" + l[l.IndexOf('\t')..]));
        Close(fx.ExpectedA[0..(0 + 5)], await Probabilities(await http.PostAsync("/v1/predict", Tsv(odd))));
    }

    [Fact]
    public async Task BadRequestsAre4xxNamingRowAndFieldAndTheServerKeepsServing()
    {
        await using var server = await Start(fx.ModelA, o => o with { MaxRows = 5, MaxBodyBytes = 16 * 1024 });
        using var http = Client(server);
        async Task<string> Post(HttpContent body, int status) => await Error(await http.PostAsync("/v1/predict", body), status);

        string e = await Post(Json("{\"rows\": [{\"I1\": 1}, {\"I1\": 2, \"C99\": \"ab\"}]}"), 400);
        Assert.Contains("rows[1]", e);
        Assert.Contains("C99", e);
        e = await Post(Json("{\"rows\": [{\"I3\": \"seven\"}]}"), 400);
        Assert.Contains("rows[0]", e);
        Assert.Contains("I3", e);
        Assert.Contains("number", e);
        e = await Post(Json("{\"rows\": [{}, {}, {\"C2\": true}]}"), 400);
        Assert.Contains("rows[2]", e);
        Assert.Contains("C2", e);
        e = await Post(Json("{\"rows\": [{\"C2\": [\"a\"]}]}"), 400);
        Assert.Contains("C2", e);
        e = await Post(Json("{\"rows\": [{\"C1\": \"a\", \"C1\": \"b\"}]}"), 400);
        Assert.Contains("twice", e);
        Assert.Contains("malformed JSON", await Post(Json("{\"rows\": [{\"I1\": 1,"), 400));
        Assert.Contains("malformed JSON", await Post(Json("{\"rows\": [{\"I1\": 1}]} trailing"), 400));
        Assert.Contains("rows", await Post(Json("{\"data\": []}"), 400));
        Assert.Contains("rows", await Post(Json("[]"), 400));
        Assert.Contains("rows", await Post(Json(""), 400));
        Assert.Contains("too many rows", await Post(Json("{\"rows\": [{}, {}, {}, {}, {}, {}]}"), 400));
        Assert.Contains("too many rows", await Post(Tsv(string.Join('\n', fx.Lines.Take(6))), 400));
        // Oversize, with a Content-Length and chunked (no length known up front).
        string big = fx.JsonRows(0, 5) + new string(' ', 20 * 1024);
        Assert.Contains("--max-body-bytes", await Post(Json(big), 413));
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = JsonType;
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/predict") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        Assert.Contains("--max-body-bytes", await Error(await http.SendAsync(request), 413));
        // TSV: wrong column count and a non-integer, by line and field.
        e = await Post(Tsv(fx.Lines[0] + "\n1\t2\t3"), 400);
        Assert.Contains("line 2", e);
        string[] cols = fx.Lines[1].Split('\t');
        cols[4] = "4.5x";
        e = await Post(Tsv(fx.Lines[0] + "\n" + string.Join('\t', cols)), 400);
        Assert.Contains(":2:", e);
        Assert.Contains("I4", e);
        Assert.Contains("text/csv", await Post(new StringContent("a,b", Encoding.UTF8, "text/csv"), 415));

        // Still healthy and still right.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Close(fx.ExpectedA[0..(0 + 5)], await Probabilities(await http.PostAsync("/v1/predict", Json(fx.JsonRows(0, 5)))));
        Assert.True(server.Metrics.Errors >= 17, $"{server.Metrics.Errors} errors counted");
    }

    [Fact]
    public async Task HealthModelAndMetricsDescribeTheService()
    {
        await using var server = await Start(fx.ModelA);
        using var http = Client(server);
        string health = await http.GetStringAsync("/healthz");
        Assert.Contains("\"ok\"", health);
        Assert.Contains(fx.ChecksumA, health);

        using (var doc = JsonDocument.Parse(await http.GetStringAsync("/v1/model")))
        {
            var root = doc.RootElement;
            Assert.Equal("deepfm", root.GetProperty("model").GetString());
            Assert.Equal(fx.ChecksumA, root.GetProperty("checksum").GetString());
            Assert.Equal("criteo", root.GetProperty("format").GetString());
            var fields = root.GetProperty("fields").EnumerateArray().ToArray();
            Assert.Equal(39, fields.Length);
            Assert.Equal("I1", fields[0].GetProperty("name").GetString());
            Assert.Equal("numeric", fields[0].GetProperty("kind").GetString());
            Assert.Equal("categorical", fields[13].GetProperty("kind").GetString());
            Assert.Equal(16, root.GetProperty("config").GetProperty("hidden")[0].GetInt32());
            var meta = root.GetProperty("metadata");
            Assert.True(meta.GetProperty("trainRows").GetInt64() > 0);
            Assert.InRange(meta.GetProperty("validAuc").GetDouble(), 0.0, 1.0);
        }

        await http.PostAsync("/v1/predict", Json(fx.JsonRows(0, 3)));
        await http.PostAsync("/v1/predict", Json("{\"rows\": [{\"nope\": 1}]}"));
        // A request is counted once its answer is written, so the client can ask before the last one is in.
        string metrics = "";
        for (int i = 0; i < 100; i++)
        {
            var response = await http.GetAsync("/metrics");
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            metrics = await response.Content.ReadAsStringAsync();
            if (server.Metrics.PredictRequests == 2 && Regex.IsMatch(metrics, @"deepfm_predict_duration_seconds_count(\{[^}]*\})? 2(\s|$)")
                && Regex.IsMatch(metrics, @"deepfm_rows_scored_total(\{[^}]*\})? 3(\s|$)")) break;
            await Task.Delay(20);
        }
        string ours = string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("deepfm_", StringComparison.Ordinal)));
        void Has(string pattern) => Assert.True(Regex.IsMatch(metrics, pattern), $"{pattern} not in:\n{ours}");
        // OpenTelemetry's Prometheus exporter: labels in its order, plus the meter's scope labels.
        Has(@"deepfm_http_requests_total\{[^}]*endpoint=""predict""[^}]*status=""200""[^}]*\} 1(\s|$)");
        Has(@"deepfm_http_requests_total\{[^}]*endpoint=""predict""[^}]*status=""400""[^}]*\} 1(\s|$)");
        Has(@"deepfm_rows_scored_total(\{[^}]*\})? 3(\s|$)");
        Has(@"deepfm_predict_errors_total\{[^}]*status=""400""[^}]*\} 1(\s|$)");
        Assert.Contains("# TYPE deepfm_predict_duration_seconds histogram", metrics);
        Has(@"deepfm_predict_duration_seconds_bucket\{[^}]*le=""\+Inf""[^}]*\} 2(\s|$)");
        Has(@"deepfm_predict_duration_seconds_bucket\{[^}]*le=""0.0005""");
        Has(@"deepfm_predict_duration_seconds_count(\{[^}]*\})? 2(\s|$)");
        Assert.Contains($"checksum=\"{fx.ChecksumA}\"", metrics);
        // Process and runtime metrics come along.
        Assert.Matches(@"(?m)^process_[a-z_]+", metrics);
        Assert.Matches(@"(?m)^dotnet_[a-z_]+", metrics);
    }

    [Fact]
    public async Task ReloadSwapsToAGoodFileAndRejectsACorruptOne()
    {
        string served = fx.File($"reload-{Guid.NewGuid():N}.dfm");
        File.Copy(fx.ModelA, served);
        await using var server = await Start(served, o => o with { ReloadToken = Token });
        using var http = Client(server, Token);

        var response = await http.PostAsync("/v1/reload", Json($"{{\"path\": {JsonSerializer.Serialize(fx.ModelB)}}}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(fx.ChecksumB, await http.GetStringAsync("/v1/model"));
        Close(fx.ExpectedB, await Probabilities(await http.PostAsync("/v1/predict", Json(fx.JsonRows(0, fx.Lines.Length)))));

        string corrupt = fx.File($"corrupt-{Guid.NewGuid():N}.dfm");
        var bytes = File.ReadAllBytes(fx.ModelA);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(corrupt, bytes);
        string e = await Error(await http.PostAsync($"/v1/reload?path={Uri.EscapeDataString(corrupt)}", null), 400);
        Assert.Contains("checksum", e);
        Assert.Contains(fx.ChecksumB, await http.GetStringAsync("/v1/model"));
        Close(fx.ExpectedB, await Probabilities(await http.PostAsync("/v1/predict", Json(fx.JsonRows(0, fx.Lines.Length)))));
        Assert.Contains("not found", await Error(await http.PostAsync("/v1/reload", Json($"{{\"path\": {JsonSerializer.Serialize(fx.File("no-such-model.dfm"))}}}")), 400));
        Assert.Contains("malformed JSON", await Error(await http.PostAsync("/v1/reload", Json("{\"path\": ")), 400));

        // No path: the current file (B's) again.
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/v1/reload", null)).StatusCode);
        Assert.Contains(fx.ChecksumB, await http.GetStringAsync("/v1/model"));
        Assert.Equal(2, server.Metrics.Reloads);
        Assert.Equal(2, server.Metrics.ReloadFailures); // the malformed body never reached a load
    }

    [Fact]
    public async Task WatchedFileReloadsWhenReplacedAndKeepsServingWhenCorrupted()
    {
        string served = fx.File($"watched-{Guid.NewGuid():N}.dfm");
        File.Copy(fx.ModelA, served);
        await using var server = await Start(served, o => o with { Watch = true, WatchDebounce = TimeSpan.FromMilliseconds(100) });
        using var http = Client(server);
        Assert.Contains(fx.ChecksumA, await http.GetStringAsync("/healthz"));

        // Replace atomically, as ModelFile.Save and `cp tmp && mv` do.
        string tmp = served + ".tmp";
        File.Copy(fx.ModelB, tmp);
        File.Move(tmp, served, overwrite: true);
        await Until(async () => (await http.GetStringAsync("/healthz")).Contains(fx.ChecksumB));
        Close(fx.ExpectedB[..50], await Probabilities(await http.PostAsync("/v1/predict", Json(fx.JsonRows(0, 50)))));

        // A corrupt write in place is rejected; B keeps serving.
        var bytes = File.ReadAllBytes(fx.ModelA);
        bytes[^5] ^= 0x01;
        File.WriteAllBytes(served, bytes);
        await Until(() => Task.FromResult(server.Metrics.ReloadFailures >= 1));
        Assert.Contains(fx.ChecksumB, await http.GetStringAsync("/healthz"));
        Close(fx.ExpectedB[0..(0 + 50)], await Probabilities(await http.PostAsync("/v1/predict", Json(fx.JsonRows(0, 50)))));
    }

    [Fact]
    public async Task ConcurrentClientsAllGetCorrectAnswers()
    {
        await using var server = await Start(fx.ModelA);
        using var http = Client(server);
        int n = fx.Lines.Length;
        var tasks = Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            var rng = new Random(t);
            for (int i = 0; i < 50; i++)
            {
                int count = rng.Next(1, 20), start = rng.Next(0, n - count);
                bool tsv = (i + t) % 3 == 0;
                HttpContent body = tsv ? Tsv(string.Join('\n', fx.Lines.Skip(start).Take(count))) : Json(fx.JsonRows(start, count));
                Close(fx.ExpectedA[start..(start + count)], await Probabilities(await http.PostAsync("/v1/predict", body)));
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        Assert.Equal(400, server.Metrics.PredictRequests);
        Assert.Equal(0, server.Metrics.Errors);
    }

    [Fact]
    public async Task ReloadsUnderLoadDropNoRequest()
    {
        await using var server = await Start(fx.ModelA, o => o with { ReloadToken = Token });
        using var http = Client(server, Token);
        using var stop = new CancellationTokenSource();
        string body = fx.JsonRows(0, 40);
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            int done = 0;
            while (!stop.IsCancellationRequested || done < 10)
            {
                var p = await Probabilities(await http.PostAsync("/v1/predict", Json(body)));
                // Each answer comes wholly from one model or the other, never a mix.
                bool a = Math.Abs(p[0] - fx.ExpectedA[0]) <= 1e-6;
                Close(a ? fx.ExpectedA[..40] : fx.ExpectedB[..40], p);
                done++;
            }
            return done;
        })).ToArray();
        for (int i = 0; i < 6; i++)
        {
            string target = i % 2 == 0 ? fx.ModelB : fx.ModelA;
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/v1/reload", Json($"{{\"path\": {JsonSerializer.Serialize(target)}}}"))).StatusCode);
        }
        stop.Cancel();
        var counts = await Task.WhenAll(clients);
        Assert.All(counts, c => Assert.True(c >= 10));
        Assert.Equal(0, server.Metrics.Errors);
        Assert.Contains(fx.ChecksumA, await http.GetStringAsync("/v1/model"));
    }

    [Fact]
    public async Task ServeCommandReportsBadModelsAndOptionsWithoutAStackTrace()
    {
        var (code, _, err) = CliRunner.Run("serve", "--model", fx.File("missing.dfm"), "--urls", "http://127.0.0.1:0");
        Assert.Equal(1, code);
        Assert.Contains("not found", err);
        Assert.DoesNotContain("   at ", err);
        (code, _, err) = CliRunner.Run("serve", "--model", fx.ModelA, "--max-rows", "0");
        Assert.Equal(1, code);
        Assert.Contains("--max-rows", err);

        // A taken port is a clear error too.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        (code, _, err) = CliRunner.Run("serve", "--model", fx.ModelA, "--urls", $"http://127.0.0.1:{port}", "--watch", "false");
        Assert.Equal(1, code);
        Assert.Contains("cannot listen", err);
        await Task.CompletedTask;
    }

    private static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the condition");
            await Task.Delay(50);
        }
    }
}
