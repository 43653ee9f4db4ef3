using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Serialization;
using DeepFM.Serving;
using DeepFM.Synthetic;
using DeepFM.Tests.Cli;
using DeepFM.Training;

namespace DeepFM.Tests.Serving;

/// <summary>Two tiny DeepFM models trained in-process on synthetic Criteo rows, rows to score, and what the library's
/// own pipeline (DataPipeline + Predictor) predicts for them: the reference every HTTP answer is checked against.</summary>
public sealed class ServingFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public ServingFixture()
    {
        string train = _dir.File("train.tsv");
        CriteoSynth.Generate(new SynthOptions { Rows = 3000, Seed = 11, WorldSeed = 7, MaxCardinality = 300 }, train, null);
        ScoreData = _dir.File("score.tsv");
        CriteoSynth.Generate(new SynthOptions { Rows = 300, Seed = 12, WorldSeed = 7, MaxCardinality = 300 }, ScoreData, null);
        Lines = System.IO.File.ReadAllLines(ScoreData);
        ModelA = Train(train, "a.dfm", seed: 1);
        ModelB = Train(train, "b.dfm", seed: 2);
        ExpectedA = Reference(ModelA);
        ExpectedB = Reference(ModelB);
        ChecksumA = ModelFile.FileChecksum(ModelA);
        ChecksumB = ModelFile.FileChecksum(ModelB);
    }

    public string ModelA { get; }
    public string ModelB { get; }
    public string ChecksumA { get; }
    public string ChecksumB { get; }
    public string ScoreData { get; }

    /// <summary>Raw Criteo lines (label first).</summary>
    public string[] Lines { get; }

    public float[] ExpectedA { get; }
    public float[] ExpectedB { get; }

    public string File(string name) => _dir.File(name);

    private string Train(string data, string name, int seed)
    {
        string path = _dir.File(name);
        var (code, _, err) = CliRunner.Run("train", "--data", data, "--out", path, "--cache-dir", _dir.Path, "--hidden", "16",
            "--embedding-size", "4", "--epochs", "1", "--batch-size", "512", "--seed", seed.ToString(CultureInfo.InvariantCulture), "--quiet");
        Assert.True(code == 0, err);
        return path;
    }

    private float[] Reference(string model)
    {
        var saved = ModelFile.Load(model);
        using var data = DataPipeline.EncodeWith(ScoreData, saved.FeatureMap, null);
        return Predictor.Predict(saved.Model, data.All);
    }

    /// <summary>A reload token for the tests that turn reloading on.</summary>
    public const string Token = "test-reload-token-0123456789";

    /// <summary>Starts a server on a free loopback port.</summary>
    public static Task<ScoringServer> Start(string model, Func<ServingOptions, ServingOptions>? tweak = null)
    {
        var options = new ServingOptions { ModelPath = model, Urls = "http://127.0.0.1:0", Watch = false };
        return ScoringServer.StartAsync(tweak is null ? options : tweak(options));
    }

    public static HttpClient Client(ScoringServer server, string? token = null)
    {
        var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>The JSON body for lines [start, start + count): numbers for I fields, strings for C fields; empty values are
    /// sent three ways (absent key, null, and for C fields "") to check that all mean "missing".</summary>
    public string JsonRows(int start, int count)
    {
        var sb = new StringBuilder("{\"rows\": [");
        for (int r = start; r < start + count; r++)
        {
            if (r > start) sb.Append(',');
            sb.Append('{');
            var cols = Lines[r].Split('\t');
            bool first = true;
            for (int c = 1; c < cols.Length; c++)
            {
                string name = c <= 13 ? $"I{c}" : $"C{c - 13}";
                string v = cols[c];
                string? json;
                if (v.Length == 0)
                    json = ((r + c) % 3) switch { 0 => null, 1 => "null", _ => c <= 13 ? "null" : "\"\"" };
                else
                    json = c <= 13 ? v : JsonSerializer.Serialize(v);
                if (json is null) continue;
                if (!first) sb.Append(',');
                first = false;
                sb.Append('"').Append(name).Append("\": ").Append(json);
            }
            sb.Append('}');
        }
        return sb.Append("]}").ToString();
    }

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static StringContent Tsv(string body) => new(body, Encoding.UTF8, "text/tab-separated-values");

    public static async Task<float[]> Probabilities(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(text);
        return [.. doc.RootElement.GetProperty("probabilities").EnumerateArray().Select(e => e.GetSingle())];
    }

    /// <summary>The <c>detail</c> of an RFC 7807 problem answered with <paramref name="status"/>.</summary>
    public static async Task<string> Error(HttpResponseMessage response, int status)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(status, doc.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("title").GetString()));
        return doc.RootElement.GetProperty("detail").GetString()!;
    }

    public static void Close(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6, $"row {i}: expected {expected[i]}, got {actual[i]}");
    }

    public static MediaTypeHeaderValue JsonType => new("application/json");

    public void Dispose() => _dir.Dispose();
}
