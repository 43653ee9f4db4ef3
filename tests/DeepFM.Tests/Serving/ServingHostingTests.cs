using System.Collections;
using System.Net;
using System.Text;
using System.Text.Json;
using DeepFM.Cli.Commands;
using DeepFM.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static DeepFM.Tests.Serving.ServingFixture;

namespace DeepFM.Tests.Serving;

/// <summary>The ASP.NET Core habits of the service: guarded reloads, problem details, health checks, hosting the
/// endpoints in an app of one's own, settings from file/environment/flags, OpenAPI, request logs.</summary>
public sealed class ServingHostingTests(ServingFixture fx) : IClassFixture<ServingFixture>
{
    [Fact]
    public async Task ReloadIsOffUnlessATokenIsConfigured()
    {
        await using var server = await Start(fx.ModelA);
        using var http = Client(server, Token);
        string e = await Error(await http.PostAsync($"/v1/reload?path={Uri.EscapeDataString(fx.ModelB)}", null), 404);
        Assert.Contains("--reload-token", e);
        Assert.Contains(fx.ChecksumA, await http.GetStringAsync("/healthz"));
        Assert.Equal(0, server.Metrics.Reloads + server.Metrics.ReloadFailures);
    }

    [Fact]
    public async Task ReloadNeedsTheBearerToken()
    {
        await using var server = await Start(fx.ModelA, o => o with { ReloadToken = Token });
        using var anonymous = Client(server);
        var response = await anonymous.PostAsync("/v1/reload", null);
        Assert.Contains("Authorization", await Error(response, 401));
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        using var wrong = Client(server, Token + "x");
        Assert.Contains("not the reload token", await Error(await wrong.PostAsync($"/v1/reload?path={Uri.EscapeDataString(fx.ModelB)}", null), 401));
        using var basic = Client(server);
        basic.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Token);
        Assert.Contains("Bearer", await Error(await basic.PostAsync("/v1/reload", null), 401));
        Assert.Contains(fx.ChecksumA, await anonymous.GetStringAsync("/healthz"));
        using var right = Client(server, Token);
        Assert.Equal(HttpStatusCode.OK, (await right.PostAsync($"/v1/reload?path={Uri.EscapeDataString(fx.ModelB)}", null)).StatusCode);
        Assert.Contains(fx.ChecksumB, await anonymous.GetStringAsync("/healthz"));
        // A token too short to guard anything is refused at start.
        var error = await Assert.ThrowsAsync<UserInputException>(() => Start(fx.ModelA, o => o with { ReloadToken = "short" }));
        Assert.Contains("--reload-token", error.Message);
    }

    [Fact]
    public async Task ReloadIsLimitedToTheModelDirectory()
    {
        string dir = fx.File($"models-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        string served = Path.Combine(dir, "a.dfm");
        File.Copy(fx.ModelA, served);
        File.Copy(fx.ModelB, Path.Combine(dir, "b.dfm"));
        string link = Path.Combine(dir, "escape.dfm");
        File.CreateSymbolicLink(link, fx.ModelB);  // inside by name, outside in fact
        string linkedDir = Path.Combine(dir, "up");
        Directory.CreateSymbolicLink(linkedDir, Path.GetDirectoryName(fx.ModelB)!);
        await using var server = await Start(served, o => o with { ReloadToken = Token });
        using var http = Client(server, Token);
        async Task<string> Refused(string path, int status = 403) =>
            await Error(await http.PostAsync("/v1/reload", Json($"{{\"path\": {JsonSerializer.Serialize(path)}}}")), status);

        Assert.Contains("outside the model directory", await Refused(fx.ModelB));
        Assert.Contains("outside the model directory", await Refused("../b.dfm"));
        Assert.Contains("outside the model directory", await Refused(Path.Combine(dir, "..", Path.GetFileName(fx.ModelB))));
        Assert.Contains("symbolic link", await Refused(link));
        Assert.Contains("symbolic link", await Refused("up/" + Path.GetFileName(fx.ModelB)));
        Assert.Contains("outside the model directory", await Refused("/etc/passwd"));
        Assert.Equal(0, server.Metrics.Reloads + server.Metrics.ReloadFailures); // refused before any load
        Assert.Contains(fx.ChecksumA, await http.GetStringAsync("/healthz"));

        // Inside, by a relative or a full path, it loads.
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/v1/reload", Json("{\"path\": \"b.dfm\"}"))).StatusCode);
        Assert.Contains(fx.ChecksumB, await http.GetStringAsync("/healthz"));
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/v1/reload?path={Uri.EscapeDataString(served)}", null)).StatusCode);
        Assert.Contains(fx.ChecksumA, await http.GetStringAsync("/healthz"));

        // An explicit model directory moves the fence.
        await using var wide = await Start(served, o => o with { ReloadToken = Token, ModelDirectory = Path.GetDirectoryName(fx.ModelB) });
        using var wideHttp = Client(wide, Token);
        Assert.Equal(HttpStatusCode.OK, (await wideHttp.PostAsync($"/v1/reload?path={Uri.EscapeDataString(fx.ModelB)}", null)).StatusCode);
        var missing = await Assert.ThrowsAsync<UserInputException>(() => Start(served, o => o with { ModelDirectory = Path.Combine(dir, "nope") }));
        Assert.Contains("--model-dir", missing.Message);
    }

    [Fact]
    public async Task InternalErrorsAreProblemsWithoutTheExceptionText()
    {
        var log = new StringBuilder();
        await using var server = await ScoringServer.StartAsync(new ServingOptions
        {
            ModelPath = fx.ModelA, Urls = "http://127.0.0.1:0", Watch = false,
            FaultForTests = () => throw new InvalidOperationException("secret-internal-detail in /srv/private/state"),
        }, s => { lock (log) log.AppendLine(s); });
        using var http = Client(server);
        string detail = await Error(await http.PostAsync("/v1/predict", Json(fx.JsonRows(0, 2))), 500);
        string body = await (await http.PostAsync("/v1/predict", Json(fx.JsonRows(0, 2)))).Content.ReadAsStringAsync();
        Assert.DoesNotContain("secret", detail);
        Assert.DoesNotContain("secret", body);
        Assert.DoesNotContain("/srv/private", body);
        Assert.DoesNotContain("InvalidOperationException", body);
        Assert.Contains("trace id", detail);
        // The operator's log has it all.
        lock (log) Assert.Contains("secret-internal-detail", log.ToString());

        // Bad requests still get a 4xx with the reason, and unknown routes a problem too.
        Assert.Contains("C99", await Error(await http.PostAsync("/v1/predict", Json("{\"rows\": [{\"C99\": \"x\"}]}")), 400));
        var notFound = await http.GetAsync("/v2/nothing");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("application/problem+json", notFound.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task LivenessIsUpAtOnceAndReadinessWaitsForAModel()
    {
        await using (var server = await Start(fx.ModelA))
        {
            using var http = Client(server);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz/live")).StatusCode);
            var ready = await http.GetAsync("/healthz/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            using var doc = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
            Assert.Equal("Healthy", doc.RootElement.GetProperty("status").GetString());
            Assert.Equal("Healthy", doc.RootElement.GetProperty("checks").GetProperty("model").GetProperty("status").GetString());
        }

        // Loading in the background a file that is not there yet: alive, not ready, predictions 503.
        string later = fx.File($"later-{Guid.NewGuid():N}.dfm");
        await using (var server = await Start(later, o => o with { BackgroundLoad = true, ReloadToken = Token }))
        {
            using var http = Client(server, Token);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz/live")).StatusCode);
            HttpResponseMessage ready = null!;
            for (int i = 0; i < 100; i++)
            {
                ready = await http.GetAsync("/healthz/ready");
                if ((await ready.Content.ReadAsStringAsync()).Contains("not found")) break;
                await Task.Delay(50);
            }
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("no model loaded", await ready.Content.ReadAsStringAsync());
            var predict = await http.PostAsync("/v1/predict", Json(fx.JsonRows(0, 2)));
            Assert.Contains("no model is loaded", await Error(predict, 503));
            Assert.NotNull(predict.Headers.RetryAfter);
            await Error(await http.GetAsync("/v1/model"), 503);

            File.Copy(fx.ModelA, later);
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/v1/reload", null)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz/ready")).StatusCode);
            Close(fx.ExpectedA[..5], await Probabilities(await http.PostAsync("/v1/predict", Json(fx.JsonRows(0, 5)))));
        }
    }

    [Fact]
    public async Task TheEndpointsRunInAPlainWebApplication()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Services.AddDeepFMScoring(o =>
        {
            o.ModelPath = fx.ModelA;
            o.Watch = false;
            o.MaxRows = 500;
        });
        await using var app = builder.Build();
        app.MapGet("/", () => "the team's own endpoint");
        app.MapDeepFMScoring("/ctr");
        await app.StartAsync();
        using var http = app.GetTestClient();
        Assert.Equal("the team's own endpoint", await http.GetStringAsync("/"));
        Close(fx.ExpectedA, await Probabilities(await http.PostAsync("/ctr/v1/predict", Json(fx.JsonRows(0, fx.Lines.Length)))));
        Close(fx.ExpectedA, await Probabilities(await http.PostAsync("/ctr/v1/predict", Tsv(string.Join('\n', fx.Lines)))));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/ctr/healthz/ready")).StatusCode);
        Assert.Contains(fx.ChecksumA, await http.GetStringAsync("/ctr/v1/model"));
        Assert.Contains("I1", await Error(await http.PostAsync("/ctr/v1/predict", Json("{\"rows\": [{\"I1\": \"x\"}]}")), 400));
        Assert.Equal(fx.Lines.Length * 2, app.Services.GetRequiredService<ServingMetrics>().RowsScored);
        await app.StopAsync();
    }

    [Fact]
    public async Task OptionsFromConfigurationAreBoundAndValidatedAtStart()
    {
        async Task<WebApplication> Host(Dictionary<string, string?> settings)
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
            builder.WebHost.UseTestServer();
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.AddDeepFMScoring(builder.Configuration.GetSection(ServingOptions.SectionName));
            var app = builder.Build();
            app.MapDeepFMScoring();
            await app.StartAsync();
            return app;
        }
        await using (var app = await Host(new() { ["DeepFM:ModelPath"] = fx.ModelA, ["DeepFM:Watch"] = "false", ["DeepFM:MaxRows"] = "2" }))
        {
            using var http = app.GetTestClient();
            Assert.Contains("too many rows", await Error(await http.PostAsync("/v1/predict", Json(fx.JsonRows(0, 3))), 400));
            await app.StopAsync();
        }
        var invalid = await Assert.ThrowsAsync<OptionsValidationException>(() => Host(new() { ["DeepFM:ModelPath"] = fx.ModelA, ["DeepFM:MaxRows"] = "0" }));
        Assert.Contains("--max-rows", invalid.Message);
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => Host(new() { ["DeepFM:ModelPath"] = fx.ModelA, ["DeepFM:MaxRow"] = "3" }));
        Assert.Contains("MaxRow", unknown.Message);
    }

    [Fact]
    public async Task TheOpenApiDocumentListsTheScoringEndpoints()
    {
        await using var server = await Start(fx.ModelA);
        using var http = Client(server);
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var paths = doc.RootElement.GetProperty("paths");
        var predict = paths.GetProperty("/v1/predict").GetProperty("post");
        var content = predict.GetProperty("requestBody").GetProperty("content");
        Assert.True(content.TryGetProperty("application/json", out _));
        Assert.True(content.TryGetProperty("text/tab-separated-values", out _));
        Assert.True(predict.GetProperty("responses").TryGetProperty("200", out _));
        Assert.True(predict.GetProperty("responses").TryGetProperty("400", out _));
        Assert.True(paths.GetProperty("/v1/model").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/v1/reload").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/healthz").TryGetProperty("get", out _));
        Assert.Contains("Probabilities", doc.RootElement.GetProperty("components").GetProperty("schemas").ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task EachRequestIsLoggedWithMethodPathStatusAndTime()
    {
        var log = new StringBuilder();
        await using var server = await ScoringServer.StartAsync(new ServingOptions { ModelPath = fx.ModelA, Urls = "http://127.0.0.1:0", Watch = false },
            s => { lock (log) log.AppendLine(s); });
        using var http = Client(server);
        await http.PostAsync("/v1/predict", Json(fx.JsonRows(0, 2)));
        await http.PostAsync("/v1/predict", Json("{\"rows\": 3}"));
        // The line is written once the response has gone; give it a moment.
        for (int i = 0; i < 100 && !log.ToString().Contains("POST /v1/predict 400"); i++) await Task.Delay(20);
        string text;
        lock (log) text = log.ToString();
        Assert.Matches(@"POST /v1/predict 200 [0-9.]+ ms", text);
        Assert.Matches(@"POST /v1/predict 400 [0-9.]+ ms", text);
        await using var quiet = await ScoringServer.StartAsync(new ServingOptions { ModelPath = fx.ModelA, Urls = "http://127.0.0.1:0", Watch = false, RequestLogging = false },
            s => { lock (log) log.AppendLine("quiet " + s); });
        using var quietHttp = Client(quiet);
        await quietHttp.GetAsync("/healthz");
        lock (log) Assert.DoesNotContain("quiet serve: GET /healthz", log.ToString());
    }

    [Fact]
    public void ServeSettingsLayerFileEnvironmentAndFlags()
    {
        string file = fx.File($"appsettings-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, $$"""
            {
              "Urls": "http://127.0.0.1:7001",
              "Logging": { "LogLevel": { "Default": "Warning" } },
              "DeepFM": { "ModelPath": {{JsonSerializer.Serialize(fx.ModelA)}}, "MaxRows": 7, "Workers": 3, "Watch": false, "LogFormat": "json" }
            }
            """);
        var none = new Dictionary<string, string?>();
        var (o, config) = ServeSettings.Resolve(none, file, true, new Hashtable());
        Assert.Equal((fx.ModelA, 7, 3, false, "json", "http://127.0.0.1:7001"), (o.ModelPath, o.MaxRows, o.Workers, o.Watch, o.LogFormat, o.Urls));
        Assert.Equal("Warning", config["Logging:LogLevel:Default"]);

        // The environment beats the file (ASPNETCORE_URLS for the address, DEEPFM_* for the rest; other DEEPFM_
        // variables are not settings), and flags beat both.
        var env = new Hashtable { ["ASPNETCORE_URLS"] = "http://127.0.0.1:7002", ["DEEPFM_MAXROWS"] = "8", ["DEEPFM_NETNS"] = "x" };
        (o, _) = ServeSettings.Resolve(none, file, true, env);
        Assert.Equal((8, 3, "http://127.0.0.1:7002"), (o.MaxRows, o.Workers, o.Urls));
        env["DEEPFM_URLS"] = "http://127.0.0.1:7003";
        (o, _) = ServeSettings.Resolve(new Dictionary<string, string?> { ["MaxRows"] = "9" }, file, true, env);
        Assert.Equal((9, "http://127.0.0.1:7003"), (o.MaxRows, o.Urls));

        // Without a file, the flags alone; a missing optional file is no error.
        (o, _) = ServeSettings.Resolve(new Dictionary<string, string?> { ["ModelPath"] = fx.ModelB }, fx.File("absent.json"), false, new Hashtable());
        Assert.Equal((fx.ModelB, ServingOptions.DefaultMaxRows), (o.ModelPath, o.MaxRows));

        // Mistakes name the key or the file.
        Assert.Contains("absent.json", Assert.Throws<UserInputException>(() => ServeSettings.Resolve(none, fx.File("absent.json"), true, new Hashtable())).Message);
        File.WriteAllText(file, """{"DeepFM": {"ModelPath": "m.dfm", "MaxRow": 3}}""");
        Assert.Contains("MaxRow", Assert.Throws<UserInputException>(() => ServeSettings.Resolve(none, file, true, new Hashtable())).Message);
        File.WriteAllText(file, """{"DeepFM": {"ModelPath": "m.dfm", "MaxRows": "many"}}""");
        Assert.Contains("DeepFM:MaxRows", Assert.Throws<UserInputException>(() => ServeSettings.Resolve(none, file, true, new Hashtable())).Message);
        File.WriteAllText(file, """{"DeepFM": {"ModelPath": """);
        Assert.Contains(Path.GetFileName(file), Assert.Throws<UserInputException>(() => ServeSettings.Resolve(none, file, true, new Hashtable())).Message);
        Assert.Contains("--model", Assert.Throws<UserInputException>(() => ServeSettings.Resolve(none, fx.File("absent.json"), false, new Hashtable())).Message);
    }
}
