using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DeepFM.Serving;

/// <summary>One log line per request: method, path, status and milliseconds, as structured fields (so the JSON log
/// format carries them as properties). Smaller than UseHttpLogging's multi-line entries, which log headers.</summary>
internal sealed class RequestLoggingMiddleware(RequestDelegate next, ILogger<RequestLoggingMiddleware> log)
{
    public async Task InvokeAsync(HttpContext ctx)
    {
        if (!log.IsEnabled(LogLevel.Information))
        {
            await next(ctx).ConfigureAwait(false);
            return;
        }
        long start = Stopwatch.GetTimestamp();
        try
        {
            await next(ctx).ConfigureAwait(false);
        }
        finally
        {
            log.LogInformation("{Method} {Path} {Status} {ElapsedMs:0.0} ms", ctx.Request.Method, ctx.Request.Path.Value,
                ctx.Response.StatusCode, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }
}
