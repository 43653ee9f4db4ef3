using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace DeepFM.Serving;

/// <summary>
/// The scoring service as a complete Kestrel app, the one <c>deepfm serve</c> runs: the endpoints of
/// <see cref="ScoringEndpointRouteBuilderExtensions.MapDeepFMScoring"/> (predict, model, reload, health), plus
/// <list type="bullet">
/// <item><c>GET /metrics</c>: Prometheus text from OpenTelemetry (the <see cref="ServingMetrics"/> meter, ASP.NET Core's,
/// the runtime's and the process's);</item>
/// <item><c>GET /openapi/v1.json</c>: the OpenAPI document;</item>
/// <item>problem details (RFC 7807) for every error, including unknown routes and unhandled exceptions (no exception
/// text in the answer), and one log line per request when <see cref="ServingOptions.RequestLogging"/> is on.</item>
/// </list>
/// To host the endpoints in an app of your own, use AddDeepFMScoring and MapDeepFMScoring instead.
/// </summary>
public sealed class ScoringServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScoringServer(WebApplication app)
    {
        _app = app;
        Models = app.Services.GetRequiredService<ModelHost>();
        Metrics = app.Services.GetRequiredService<ServingMetrics>();
    }

    /// <summary>The served model and its reloads.</summary>
    public ModelHost Models { get; }

    /// <summary>Request counters.</summary>
    public ServingMetrics Metrics { get; }

    /// <summary>The app's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The addresses Kestrel bound (port 0 resolved to the actual port).</summary>
    public IReadOnlyList<string> Urls { get; private set; } = [];

    /// <summary>The first bound address, for clients.</summary>
    public Uri BaseAddress => new(Urls[0]);

    /// <summary>Loads the model and starts listening; log entries, if wanted, go to <paramref name="log"/> as lines.</summary>
    /// <exception cref="UserInputException">Bad options, or the model cannot be loaded.</exception>
    public static Task<ScoringServer> StartAsync(ServingOptions options, Action<string>? log = null, CancellationToken cancel = default) =>
        StartWithLoggingAsync(options, logging =>
        {
            if (log is not null) logging.AddProvider(new LineLoggerProvider(log));
        }, cancel);

    /// <summary>Loads the model and starts listening, logging through the providers <paramref name="logging"/> adds
    /// (a name of its own: a lambda would fit both this and the line-callback overload).</summary>
    /// <exception cref="UserInputException">Bad options, or the model cannot be loaded.</exception>
    public static async Task<ScoringServer> StartWithLoggingAsync(ServingOptions options, Action<ILoggingBuilder> logging, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logging);
        options.Validate();
        // The empty builder reads no appsettings or environment of its own: deepfm serve resolves its settings
        // (appsettings.json, DEEPFM_*, ASPNETCORE_URLS, flags) before it gets here, and an embedding process passes its own.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
        });
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        logging(builder.Logging);
        builder.Services.AddRouting();
        builder.Services.AddDeepFMScoring(options);
        builder.Services.AddOpenApi();
        builder.Services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(ServingMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddRuntimeInstrumentation()
            .AddProcessInstrumentation()
            // Every scrape sees the counters as they are now (the default caches the answer for 300 ms).
            .AddPrometheusExporter(p => p.ScrapeResponseCacheDurationMilliseconds = 0));
        var app = builder.Build();
        // Unhandled exceptions and bare status codes (an unknown route, a wrong method) become problem details too.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        if (options.RequestLogging) app.UseMiddleware<RequestLoggingMiddleware>();
        app.MapDeepFMScoring();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOpenApi();
        try
        {
            await app.StartAsync(cancel).ConfigureAwait(false);
        }
        catch (UserInputException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        catch (OptionsValidationException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new UserInputException(string.Join(" ", e.Failures), e);
        }
        catch (Exception e) when (e is IOException or FormatException or InvalidOperationException or ArgumentException or UriFormatException)
        {
            // A taken port, an address Kestrel cannot bind or parse: the user's setting, not a bug.
            await app.DisposeAsync().ConfigureAwait(false);
            throw new UserInputException($"cannot listen on {options.Urls}: {e.Message}", e);
        }
        var server = new ScoringServer(app)
        {
            Urls = [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses],
        };
        var log = app.Services.GetRequiredService<ILogger<ScoringServer>>();
        if (server.Models.Loaded is { } m)
            log.LogInformation("serving {Model} from {Path} (sha256 {Checksum}, {Workers} workers) on {Urls}",
                m.Saved.Model.Config.Model, m.Path, m.Checksum[..12], m.Workers, string.Join(", ", server.Urls));
        else
            log.LogInformation("listening on {Urls}; loading {Path} in the background", string.Join(", ", server.Urls), options.ModelPath);
        return server;
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
            // The container disposes the model host and the meter.
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
