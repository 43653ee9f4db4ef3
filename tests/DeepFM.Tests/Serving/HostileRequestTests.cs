using System.Diagnostics;
using System.Net;
using System.Text;
using DeepFM.Serving;
using DeepFM.Tests.Cli;
using static DeepFM.Tests.Serving.ServingFixture;

namespace DeepFM.Tests.Serving;

/// <summary>Requests and settings of a hostile user: each a 4xx (or a clear CLI error), never a hang, a 500 or a stack trace.</summary>
public sealed class HostileRequestTests(ServingFixture fx) : IClassFixture<ServingFixture>
{
    private static StringContent Json(string s) => new(s, Encoding.UTF8, "application/json");

    private static async Task<string> Error(HttpResponseMessage response, int status)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        return body;
    }

    [Fact]
    public async Task ReloadOfADeviceOrFolderIsRefusedAtOnce()
    {
        var log = new StringBuilder();
        // A model directory of "/" lets every path through to the file checks.
        await using var server = await ScoringServer.StartAsync(new ServingOptions
        {
            ModelPath = fx.ModelA, Urls = "http://127.0.0.1:0", Watch = false, ReloadToken = Token, ModelDirectory = "/",
        }, s => { lock (log) log.AppendLine(s); });
        using var http = Client(server, Token);
        http.Timeout = TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        if (File.Exists("/dev/zero"))
            Assert.Contains("not a regular file", await Error(await http.PostAsync("/v1/reload?path=/dev/zero", null), 400));
        Assert.Contains("is a folder", await Error(await http.PostAsync($"/v1/reload?path={Uri.EscapeDataString(Path.GetTempPath())}", null), 400));
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 5);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.DoesNotContain("   at ", log.ToString());
    }

    [Fact]
    public async Task ReloadOfATooLargeFileIsRefusedBeforeItIsRead()
    {
        long size = new FileInfo(fx.ModelA).Length;
        string big = fx.File($"big-{Guid.NewGuid():N}.dfm");
        File.WriteAllBytes(big, [.. File.ReadAllBytes(fx.ModelA), .. new byte[1000]]);
        await using var server = await Start(fx.ModelA, o => o with { MaxModelBytes = size + 10, ReloadToken = Token });
        using var http = Client(server, Token);
        Assert.Contains("largest model file", await Error(await http.PostAsync($"/v1/reload?path={Uri.EscapeDataString(big)}", null), 400));
    }

    [Fact]
    public async Task InvalidTextInJsonIs400NotAnInternalError()
    {
        var log = new StringBuilder();
        await using var server = await ScoringServer.StartAsync(new ServingOptions { ModelPath = fx.ModelA, Urls = "http://127.0.0.1:0", Watch = false, ReloadToken = Token },
            s => { lock (log) log.AppendLine(s); });
        using var http = Client(server, Token);
        async Task<string> Post(byte[] body, string path = "/v1/predict")
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            return await Error(await http.PostAsync(path, content), 400);
        }
        byte[] Bytes(string prefix, byte[] middle, string suffix) => [.. Encoding.UTF8.GetBytes(prefix), .. middle, .. Encoding.UTF8.GetBytes(suffix)];
        await Post(Bytes("{\"rows\": [{\"C1\": \"", [0xC3, 0x28], "\"}]}"));                // invalid UTF-8 in a value
        await Post(Bytes("{\"rows\": [{\"C", [0xFF], "1\": \"a\"}]}"));                       // ... in a field name
        await Post(Encoding.UTF8.GetBytes("{\"rows\": [{\"C1\": \"\\ud800\"}]}"));              // a lone surrogate
        await Post(Encoding.UTF8.GetBytes("{\"rows\": [{\"\\udc00\": \"a\"}]}"));
        await Post(Encoding.UTF8.GetBytes("{\"path\": \"\\ud800\"}"), "/v1/reload");
        await Post(Bytes("{\"path\": \"", [0xC3, 0x28], "\"}"), "/v1/reload");
        Assert.DoesNotContain("internal error", log.ToString());
        Assert.DoesNotContain("   at ", log.ToString());
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("3.5")]
    [InlineData("99999999999999999999")]
    [InlineData("1E2")]
    [InlineData("-0.0")]
    public async Task NumbersTrainingRejectsAreRejected(string number)
    {
        // Training's own verdict on the same text in a Criteo line.
        string line = "1\t" + number + new string('\t', 38);
        var parse = CliRunner.Run("predict", "--model", fx.ModelA, "--data", fx.File($"n-{Guid.NewGuid():N}.tsv") is var p && WriteLine(p, line) ? p : p);
        Assert.NotEqual(0, parse.Code);
        Assert.Contains("is not an integer", parse.Err);

        await using var server = await Start(fx.ModelA);
        using var http = Client(server);
        string e = await Error(await http.PostAsync("/v1/predict", Json($"{{\"rows\": [{{\"I1\": {number}}}]}}")), 400);
        Assert.Contains("rows[0]", e);
        Assert.Contains("I1", e);
        Assert.Contains("not an integer", e);
        // Integers training accepts still score.
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/v1/predict", Json("{\"rows\": [{\"I1\": -3, \"I2\": 9223372036854775807}]}"))).StatusCode);
    }

    private static bool WriteLine(string path, string line)
    {
        File.WriteAllText(path, line + "\n");
        return true;
    }

    [Theory]
    [InlineData("notaurl", "not an address")]
    [InlineData("http://127.0.0.1:99999", "port")]
    [InlineData("ftp://127.0.0.1:8080", "scheme")]
    [InlineData("http://:8080", "no host")]
    [InlineData("http://127.0.0.1:abc", "port")]
    public void BadUrlsAreClearErrors(string urls, string expected)
    {
        var (code, _, err) = CliRunner.Run("serve", "--model", fx.ModelA, "--urls", urls, "--watch", "false");
        Assert.Equal(1, code);
        Assert.Contains(expected, err);
        Assert.Contains("--urls", err);
        Assert.DoesNotContain("   at ", err);
    }
}
