using System.Buffers;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace DeepFM.Serving;

/// <summary>
/// The request handlers behind <see cref="ScoringEndpointRouteBuilderExtensions.MapDeepFMScoring"/>: predict, model,
/// health and reload. Errors are RFC 7807 problem details; a 500 carries no exception text (it is logged instead).
/// </summary>
internal sealed class ScoringEndpoints(ModelHost models, ServingMetrics metrics, ServingOptions options, ILogger<ScoringEndpoints> log)
{
    private readonly ReloadGuard _guard = new(options);

    public ModelHost Models => models;

    private enum BodyKind { Json, Tsv }

    public async Task PredictAsync(HttpContext ctx)
    {
        long start = Stopwatch.GetTimestamp();
        // One model for the whole request, even if a reload lands meanwhile.
        var model = models.Loaded;
        if (model is null)
        {
            ctx.Response.Headers.RetryAfter = "5";
            await ProblemAsync(ctx, StatusCodes.Status503ServiceUnavailable, NotLoaded()).ConfigureAwait(false);
            metrics.Predicted(start, 0, StatusCodes.Status503ServiceUnavailable);
            return;
        }
        byte[]? body = null;
        float[]? probabilities = null;
        using var rows = new EncodedRows(model.FeatureMap.FieldCount);
        int status = StatusCodes.Status200OK;
        try
        {
            var kind = KindOf(ctx.Request.ContentType);
            int length;
            (body, length) = await ReadBodyAsync(ctx).ConfigureAwait(false);
            if (kind == BodyKind.Json) RequestParsing.ParseJson(body.AsSpan(0, length), model, options.MaxRows, rows);
            else RequestParsing.ParseTsv(body.AsSpan(0, length), model, options.MaxRows, rows);
            options.FaultForTests?.Invoke();
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
            await ProblemAsync(ctx, e.Status, e.Message).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits (body size, malformed chunking) surface while the body is read.
            status = e.StatusCode;
            string message = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"request body exceeds the limit of {options.MaxBodyBytes} bytes (the server's --max-body-bytes)"
                : e.Message;
            await ProblemAsync(ctx, e.StatusCode, message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            status = 499; // client went away; nothing to answer
        }
        catch (Exception e)
        {
            status = StatusCodes.Status500InternalServerError;
            await InternalErrorAsync(ctx, e, "/v1/predict").ConfigureAwait(false);
        }
        finally
        {
            if (body is not null) ArrayPool<byte>.Shared.Return(body);
            if (probabilities is not null) ArrayPool<float>.Shared.Return(probabilities);
            metrics.Predicted(start, status == StatusCodes.Status200OK ? rows.Count : 0, status);
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
        long max = options.MaxBodyBytes;
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

    /// <summary>Answers with an RFC 7807 problem (<c>application/problem+json</c>): the status's title and
    /// <paramref name="detail"/>, which names what was wrong.</summary>
    private static Task ProblemAsync(HttpContext ctx, int status, string detail)
    {
        if (ctx.Response.HasStarted) return Task.CompletedTask;
        // The rest of an oversize body is never read; closing tells the client not to reuse a connection that still
        // carries it (it would otherwise fail its next request on this connection).
        if (status == StatusCodes.Status413PayloadTooLarge) ctx.Response.Headers.Connection = "close";
        // The title named here: the framework's defaults leave 413 and 415 without one.
        return Results.Problem(detail: detail, statusCode: status, title: ReasonPhrases.GetReasonPhrase(status)).ExecuteAsync(ctx);
    }

    /// <summary>A bug or a broken environment: the exception goes to the log, the client gets a generic 500 with the
    /// trace id to quote (exception text can carry paths and internals).</summary>
    private Task InternalErrorAsync(HttpContext ctx, Exception e, string endpoint)
    {
        log.LogError(e, "internal error in {Endpoint} (trace {TraceId})", endpoint, ctx.TraceIdentifier);
        return ProblemAsync(ctx, StatusCodes.Status500InternalServerError,
            $"an internal error occurred; the server's log has it under trace id {ctx.TraceIdentifier}.");
    }

    private string NotLoaded() => models.LoadError is { } error
        ? $"no model is loaded: {error}"
        : "no model is loaded yet; try again when /healthz/ready answers 200.";

    public Task HealthAsync(HttpContext ctx)
    {
        var model = models.Loaded;
        if (model is null)
        {
            metrics.Request(ServingMetrics.Endpoint.Healthz, StatusCodes.Status503ServiceUnavailable);
            return ProblemAsync(ctx, StatusCodes.Status503ServiceUnavailable, NotLoaded());
        }
        metrics.Request(ServingMetrics.Endpoint.Healthz, StatusCodes.Status200OK);
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync($"{{\"status\":\"ok\",\"model\":\"{model.Saved.Model.Config.Model}\",\"checksum\":\"{model.Checksum}\"}}");
    }

    public Task ModelAsync(HttpContext ctx)
    {
        var model = models.Loaded;
        if (model is null)
        {
            metrics.Request(ServingMetrics.Endpoint.Model, StatusCodes.Status503ServiceUnavailable);
            return ProblemAsync(ctx, StatusCodes.Status503ServiceUnavailable, NotLoaded());
        }
        metrics.Request(ServingMetrics.Endpoint.Model, StatusCodes.Status200OK);
        ctx.Response.ContentType = "application/json";
        var info = model.InfoJson;
        ctx.Response.ContentLength = info.Length;
        return ctx.Response.Body.WriteAsync(info).AsTask();
    }

    public async Task ReloadAsync(HttpContext ctx)
    {
        try
        {
            if (!_guard.Enabled)
            {
                await ProblemAsync(ctx, StatusCodes.Status404NotFound,
                    "reloading over HTTP is off; start the service with --reload-token (or DeepFM:ReloadToken, DEEPFM_RELOADTOKEN) to turn it on.").ConfigureAwait(false);
                return;
            }
            if (_guard.Refusal(ctx.Request) is { } refusal)
            {
                ctx.Response.Headers.WWWAuthenticate = "Bearer";
                await ProblemAsync(ctx, StatusCodes.Status401Unauthorized, refusal).ConfigureAwait(false);
                return;
            }
            string? path = ctx.Request.Query["path"].FirstOrDefault();
            if (path is null && ctx.Request.ContentLength != 0)
            {
                var (body, length) = await ReadBodyAsync(ctx).ConfigureAwait(false);
                try { path = ParseReloadPath(body.AsSpan(0, length)); }
                finally { ArrayPool<byte>.Shared.Return(body); }
            }
            // No path: the file being served again, which the operator chose at start, wherever it lies.
            string? resolved = string.IsNullOrEmpty(path) ? null : _guard.Resolve(path);
            var loaded = await models.ReloadAsync(resolved, ctx.RequestAborted).ConfigureAwait(false);
            ctx.Response.ContentType = "application/json";
            ctx.Response.ContentLength = loaded.InfoJson.Length;
            await ctx.Response.Body.WriteAsync(loaded.InfoJson, ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (RequestException e) { await ProblemAsync(ctx, e.Status, e.Message).ConfigureAwait(false); }
        catch (UserInputException e) { await ProblemAsync(ctx, StatusCodes.Status400BadRequest, e.Message).ConfigureAwait(false); }
        catch (BadHttpRequestException e) { await ProblemAsync(ctx, e.StatusCode, e.Message).ConfigureAwait(false); }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested) { }
        catch (Exception e) { await InternalErrorAsync(ctx, e, "/v1/reload").ConfigureAwait(false); }
        finally
        {
            metrics.Request(ServingMetrics.Endpoint.Reload, ctx.Response.StatusCode);
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
