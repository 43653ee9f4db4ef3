using System.Buffers;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFM.Serving;

/// <summary>
/// The HTTP scoring service on Kestrel (minimal APIs):
/// <list type="bullet">
/// <item><c>POST /v1/predict</c>: JSON <c>{"rows": [{field: value, ...}, ...]}</c> or Criteo TSV lines
/// (<c>text/tab-separated-values</c>) → <c>{"probabilities": [...]}</c> in request order;</item>
/// <item><c>GET /healthz</c>, <c>GET /v1/model</c>, <c>GET /metrics</c> (Prometheus text);</item>
/// <item><c>POST /v1/reload</c> (optional <c>{"path": "..."}</c> or <c>?path=</c>), and a reload when the file changes.</item>
/// </list>
/// Bad requests get 400 (413 for an oversize body, 415 for an unknown content type) with <c>{"error": "..."}</c>.
/// </summary>
public sealed class ScoringServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServingOptions _options;
    private readonly Action<string> _log;

    private ScoringServer(WebApplication app, ServingOptions options, ModelHost host, ServingMetrics metrics, Action<string> log)
    {
        _app = app;
        _options = options;
        Models = host;
        Metrics = metrics;
        _log = log;
    }

    /// <summary>The served model and its reloads.</summary>
    public ModelHost Models { get; }

    /// <summary>Request counters.</summary>
    public ServingMetrics Metrics { get; }

    /// <summary>The addresses Kestrel bound (port 0 resolved to the actual port).</summary>
    public IReadOnlyList<string> Urls { get; private set; } = [];

    /// <summary>The first bound address, for clients.</summary>
    public Uri BaseAddress => new(Urls[0]);

    /// <summary>Loads the model and starts listening.</summary>
    /// <exception cref="UserInputException">Bad options, or the model cannot be loaded.</exception>
    public static async Task<ScoringServer> StartAsync(ServingOptions options, Action<string>? log = null, CancellationToken cancel = default)
    {
        options.Validate();
        var say = log ?? (_ => { });
        var metrics = new ServingMetrics();
        var host = new ModelHost(options, metrics, say);
        try
        {
            // The empty builder reads no appsettings or environment (nothing to watch, nothing to surprise) and has no
            // log providers: the service reports through its own log line and /metrics.
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
            {
                k.AddServerHeader = false;
                k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            });
            builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            builder.Services.AddRoutingCore();
            var app = builder.Build();
            var server = new ScoringServer(app, options, host, metrics, say);
            server.Map(app);
            try
            {
                await app.StartAsync(cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or FormatException or InvalidOperationException or ArgumentException or UriFormatException)
            {
                // A taken port, an address Kestrel cannot bind or parse: the user's setting, not a bug.
                await app.DisposeAsync().ConfigureAwait(false);
                throw new UserInputException($"cannot listen on {options.Urls}: {e.Message}", e);
            }
            server.Urls = [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses];
            return server;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Runs until <paramref name="cancel"/> fires, then stops gracefully (in-flight requests finish).</summary>
    public async Task RunUntilCancelledAsync(CancellationToken cancel)
    {
        try { await Task.Delay(Timeout.Infinite, cancel).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // In-flight requests get a few seconds to finish before connections are closed.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try { await _app.StopAsync(grace.Token).ConfigureAwait(false); }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            Models.Dispose();
        }
    }

    private void Map(WebApplication app)
    {
        app.MapPost("/v1/predict", new RequestDelegate(PredictAsync));
        app.MapGet("/healthz", new RequestDelegate(HealthAsync));
        app.MapGet("/v1/model", new RequestDelegate(ModelAsync));
        app.MapGet("/metrics", new RequestDelegate(MetricsAsync));
        app.MapPost("/v1/reload", new RequestDelegate(ReloadAsync));
    }

    private enum BodyKind { Json, Tsv }

    private async Task PredictAsync(HttpContext ctx)
    {
        long start = Stopwatch.GetTimestamp();
        Metrics.Request(ServingMetrics.Endpoint.Predict);
        // One model for the whole request, even if a reload lands meanwhile.
        var model = Models.Current;
        byte[]? body = null;
        float[]? probabilities = null;
        using var rows = new EncodedRows(model.FeatureMap.FieldCount);
        int status = StatusCodes.Status200OK;
        try
        {
            var kind = KindOf(ctx.Request.ContentType);
            int length;
            (body, length) = await ReadBodyAsync(ctx).ConfigureAwait(false);
            if (kind == BodyKind.Json) RequestParsing.ParseJson(body.AsSpan(0, length), model, _options.MaxRows, rows);
            else RequestParsing.ParseTsv(body.AsSpan(0, length), model, _options.MaxRows, rows);
            probabilities = ArrayPool<float>.Shared.Rent(Math.Max(1, rows.Count));
            if (rows.Count > 0)
            {
                var scorer = await model.RentAsync(ctx.RequestAborted).ConfigureAwait(false);
                try { scorer.Score(rows, probabilities.AsSpan(0, rows.Count)); }
                finally { model.Return(scorer); }
            }
            await WriteProbabilitiesAsync(ctx, probabilities.AsSpan(0, rows.Count)).ConfigureAwait(false);
        }
        catch (RequestException e)
        {
            status = e.Status;
            await WriteErrorAsync(ctx, e.Status, e.Message).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits (body size, malformed chunking) surface while the body is read.
            status = e.StatusCode;
            string message = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"request body exceeds the limit of {_options.MaxBodyBytes} bytes (the server's --max-body-bytes)"
                : e.Message;
            await WriteErrorAsync(ctx, e.StatusCode, message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            status = 499; // client went away; nothing to answer
        }
        catch (Exception e)
        {
            status = StatusCodes.Status500InternalServerError;
            _log($"serve: internal error in /v1/predict: {e}");
            await WriteErrorAsync(ctx, status, $"internal error: {e.Message}").ConfigureAwait(false);
        }
        finally
        {
            if (body is not null) ArrayPool<byte>.Shared.Return(body);
            if (probabilities is not null) ArrayPool<float>.Shared.Return(probabilities);
            Metrics.Predicted(start, status == StatusCodes.Status200OK ? rows.Count : 0, status);
        }
    }

    private static BodyKind KindOf(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return BodyKind.Json;
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType is null)
            throw new RequestException(StatusCodes.Status415UnsupportedMediaType, $"unreadable Content-Type \"{contentType}\"");
        string type = media.MediaType;
        if (type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
            return BodyKind.Json;
        if (type.Equals("text/tab-separated-values", StringComparison.OrdinalIgnoreCase)) return BodyKind.Tsv;
        throw new RequestException(StatusCodes.Status415UnsupportedMediaType,
            $"Content-Type {type} is not supported; send application/json or text/tab-separated-values");
    }

    /// <summary>The whole body in a rented buffer (return it to the shared pool), at most --max-body-bytes.</summary>
    private async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpContext ctx)
    {
        long max = _options.MaxBodyBytes;
        long? declared = ctx.Request.ContentLength;
        if (declared > max) throw TooLarge(declared.Value);
        // Up to max + 1 bytes, so a body without a Content-Length that runs over is seen to run over.
        int cap = (int)Math.Min(max + 1, Array.MaxLength);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(declared ?? 4096, cap));
        int total = 0;
        try
        {
            var stream = ctx.Request.Body;
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (total >= cap) throw TooLarge(null);
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, cap));
                    buffer.AsSpan(0, total).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                int n = await stream.ReadAsync(buffer.AsMemory(total), ctx.RequestAborted).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
                if (total > max) throw TooLarge(null);
            }
            return (buffer, total);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        RequestException TooLarge(long? size) => new(StatusCodes.Status413PayloadTooLarge,
            size is { } s ? $"request body of {s} bytes exceeds the limit of {max} bytes (the server's --max-body-bytes)"
                          : $"request body exceeds the limit of {max} bytes (the server's --max-body-bytes)");
    }

    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    private static Task WriteProbabilitiesAsync(HttpContext ctx, ReadOnlySpan<float> probabilities)
    {
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = "application/json";
        var pipe = ctx.Response.BodyWriter;
        // The writer is used synchronously on this thread and detached before any await, so a per-thread one is safe.
        var w = t_writer ??= new Utf8JsonWriter(pipe, new JsonWriterOptions { SkipValidation = true });
        w.Reset(pipe);
        w.WriteStartObject();
        w.WriteStartArray("probabilities"u8);
        foreach (float p in probabilities) w.WriteNumberValue(p);
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        w.Reset(NullBufferWriter.Instance);
        return pipe.FlushAsync().AsTask();
    }

    // Messages quote field names and values; the relaxed encoder leaves quotes readable (the body is JSON, not HTML).
    private static readonly JsonWriterOptions ErrorJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes <c>{"error": message}</c> with <paramref name="status"/>.</summary>
    private static Task WriteErrorAsync(HttpContext ctx, int status, string message)
    {
        if (ctx.Response.HasStarted) return Task.CompletedTask;
        ctx.Response.StatusCode = status;
        // The rest of an oversize body is never read; closing tells the client not to reuse a connection that still
        // carries it (it would otherwise fail its next request on this connection).
        if (status == StatusCodes.Status413PayloadTooLarge) ctx.Response.Headers.Connection = "close";
        ctx.Response.ContentType = "application/json";
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, ErrorJson))
        {
            w.WriteStartObject();
            w.WriteString("error"u8, message);
            w.WriteEndObject();
        }
        ctx.Response.ContentLength = buffer.WrittenCount;
        return ctx.Response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }

    private Task HealthAsync(HttpContext ctx)
    {
        Metrics.Request(ServingMetrics.Endpoint.Healthz);
        var model = Models.Current;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync($"{{\"status\":\"ok\",\"model\":\"{model.Saved.Model.Config.Model}\",\"checksum\":\"{model.Checksum}\"}}");
    }

    private Task ModelAsync(HttpContext ctx)
    {
        Metrics.Request(ServingMetrics.Endpoint.Model);
        ctx.Response.ContentType = "application/json";
        var info = Models.Current.InfoJson;
        ctx.Response.ContentLength = info.Length;
        return ctx.Response.Body.WriteAsync(info).AsTask();
    }

    private Task MetricsAsync(HttpContext ctx)
    {
        Metrics.Request(ServingMetrics.Endpoint.Metrics);
        ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        return ctx.Response.WriteAsync(Metrics.Render(Models.Current), Encoding.UTF8);
    }

    private async Task ReloadAsync(HttpContext ctx)
    {
        Metrics.Request(ServingMetrics.Endpoint.Reload);
        try
        {
            string? path = ctx.Request.Query["path"].FirstOrDefault();
            if (path is null && ctx.Request.ContentLength != 0)
            {
                var (body, length) = await ReadBodyAsync(ctx).ConfigureAwait(false);
                try { path = ParseReloadPath(body.AsSpan(0, length)); }
                finally { ArrayPool<byte>.Shared.Return(body); }
            }
            var loaded = await Models.ReloadAsync(path, ctx.RequestAborted).ConfigureAwait(false);
            ctx.Response.ContentType = "application/json";
            ctx.Response.ContentLength = loaded.InfoJson.Length;
            await ctx.Response.Body.WriteAsync(loaded.InfoJson, ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (RequestException e) { await WriteErrorAsync(ctx, e.Status, e.Message).ConfigureAwait(false); }
        catch (UserInputException e) { await WriteErrorAsync(ctx, StatusCodes.Status400BadRequest, e.Message).ConfigureAwait(false); }
        catch (BadHttpRequestException e) { await WriteErrorAsync(ctx, e.StatusCode, e.Message).ConfigureAwait(false); }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested) { }
        catch (Exception e)
        {
            _log($"serve: internal error in /v1/reload: {e}");
            await WriteErrorAsync(ctx, StatusCodes.Status500InternalServerError, $"internal error: {e.Message}").ConfigureAwait(false);
        }
    }

    /// <summary>An empty body, <c>{}</c> or <c>{"path": "..."}</c>.</summary>
    private static string? ParseReloadPath(ReadOnlySpan<byte> body)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty) return null;
        try
        {
            using var doc = JsonDocument.Parse(body.ToArray());
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new RequestException(400, "reload body must be {\"path\": \"...\"} or empty");
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name != "path") throw new RequestException(400, $"unknown property \"{p.Name}\" in the reload body; expected \"path\"");
                if (p.Value.ValueKind == JsonValueKind.Null) return null;
                if (p.Value.ValueKind != JsonValueKind.String) throw new RequestException(400, "\"path\" must be a string");
                return p.Value.GetString();
            }
            return null;
        }
        catch (JsonException e)
        {
            throw new RequestException(400, $"malformed JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            // GetString on invalid UTF-8 or an unpaired surrogate escape.
            throw new RequestException(400, $"invalid text in the reload body (invalid UTF-8 or an unpaired surrogate): {e.Message}");
        }
    }

    /// <summary>Lets the cached JSON writer drop its reference to a finished response.</summary>
    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();
        public void Advance(int count) { }
        public Memory<byte> GetMemory(int sizeHint = 0) => Array.Empty<byte>();
        public Span<byte> GetSpan(int sizeHint = 0) => [];
    }
}
