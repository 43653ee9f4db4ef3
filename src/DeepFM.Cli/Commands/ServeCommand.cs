using System.CommandLine;
using System.Runtime.InteropServices;
using DeepFM.Engine;
using DeepFM.Serving;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace DeepFM.Cli.Commands;

/// <summary><c>deepfm serve</c>: the HTTP scoring service (see <see cref="ScoringServer"/>), with its settings from
/// appsettings.json, the environment and flags (<see cref="ServeSettings"/>).</summary>
internal static class ServeCommand
{
    public static Command Create(CliIO io)
    {
        var d = new ServingOptions();
        var model = new Option<string>("--model") { Description = "Saved model (.dfm) to serve; reloaded when the file changes. Or DeepFM:ModelPath / DEEPFM_MODELPATH." };
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on, ';'-separated (port 0 picks a free one). Or ASPNETCORE_URLS.", DefaultValueFactory = _ => d.Urls };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Largest request body; larger ones get 413.", DefaultValueFactory = _ => d.MaxBodyBytes };
        var maxRows = new Option<int>("--max-rows") { Description = "Most rows per predict request; more get 400.", DefaultValueFactory = _ => d.MaxRows };
        var workers = new Option<int>("--workers") { Description = "Model instances scoring at once (default: one per core).", DefaultValueFactory = _ => d.Workers };
        var watch = new Option<bool>("--watch") { Description = "Reload the model when its file changes (true/false).", DefaultValueFactory = _ => d.Watch };
        var threads = ModelOptionSet.ThreadsOption("Threads one large request's matrix products may use (default: all cores).");
        var reloadToken = new Option<string>("--reload-token")
        {
            Description = $"Bearer token that turns POST /v1/reload on (at least {ServingOptions.MinReloadTokenLength} characters; prefer DEEPFM_RELOADTOKEN, flags are visible in ps).",
        };
        var modelDir = new Option<string>("--model-dir") { Description = "The only folder POST /v1/reload may load from (default: the model's folder)." };
        var backgroundLoad = new Option<bool>("--background-load") { Description = "Listen at once and load the model in the background; /healthz/ready turns 200 when it is in.", DefaultValueFactory = _ => d.BackgroundLoad };
        var logFormat = new Option<string>("--log-format") { Description = "Log format on stderr.", DefaultValueFactory = _ => d.LogFormat };
        logFormat.AcceptOnlyFromAmong("simple", "json");
        var requestLog = new Option<bool>("--request-log") { Description = "Log one line per request: method, path, status, ms (true/false).", DefaultValueFactory = _ => d.RequestLogging };
        var settings = new Option<string>("--settings") { Description = "appsettings file: a \"DeepFM\" section of these options by property name, and \"Logging\".", DefaultValueFactory = _ => ServeSettings.DefaultFile };
        var command = new Command("serve",
            "Serve click probabilities over HTTP: POST /v1/predict (JSON rows or Criteo TSV lines), GET /v1/model, GET /healthz/live, GET /healthz/ready, " +
            "GET /metrics (Prometheus), GET /openapi/v1.json, POST /v1/reload (with --reload-token). Settings: appsettings.json < ASPNETCORE_URLS < DEEPFM_* < flags.")
        { model, urls, maxBody, maxRows, workers, watch, threads, reloadToken, modelDir, backgroundLoad, logFormat, requestLog, settings };
        command.SetAction(r =>
        {
            // Only flags the user typed override the file and the environment; a default stands back.
            var flags = new Dictionary<string, string?>();
            void Flag<T>(Option<T> option, string property)
            {
                if (r.GetResult(option) is { Implicit: false } result && result.Tokens.Count > 0)
                    flags[property] = string.Join(';', result.Tokens.Select(t => t.Value));
                else if (r.GetResult(option) is { Implicit: false } && typeof(T) == typeof(bool))
                    flags[property] = "true"; // a bare --watch
            }
            Flag(model, nameof(ServingOptions.ModelPath));
            Flag(urls, nameof(ServingOptions.Urls));
            Flag(maxBody, nameof(ServingOptions.MaxBodyBytes));
            Flag(maxRows, nameof(ServingOptions.MaxRows));
            Flag(workers, nameof(ServingOptions.Workers));
            Flag(watch, nameof(ServingOptions.Watch));
            Flag(threads, nameof(ServingOptions.Threads));
            Flag(reloadToken, nameof(ServingOptions.ReloadToken));
            Flag(modelDir, nameof(ServingOptions.ModelDirectory));
            Flag(backgroundLoad, nameof(ServingOptions.BackgroundLoad));
            Flag(logFormat, nameof(ServingOptions.LogFormat));
            Flag(requestLog, nameof(ServingOptions.RequestLogging));
            bool settingsGiven = r.GetResult(settings) is { Implicit: false };
            var (options, config) = ServeSettings.Resolve(flags, r.GetValue(settings)!, settingsGiven, Environment.GetEnvironmentVariables());
            using var stop = new CancellationTokenSource();
            // Ctrl-C and SIGTERM (docker stop, systemd) both stop gracefully: in-flight requests are answered first.
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            ConsoleCancelEventHandler onCtrlC = (_, e) => { e.Cancel = true; stop.Cancel(); };
            Console.CancelKeyPress += onCtrlC;
            try
            {
                Run(options, config, io, stop.Token).GetAwaiter().GetResult();
            }
            finally
            {
                Console.CancelKeyPress -= onCtrlC;
            }
            return 0;
        });
        return command;
    }

    private static async Task Run(ServingOptions options, IConfiguration config, CliIO io, CancellationToken stop)
    {
        await using var server = await ScoringServer.StartWithLoggingAsync(options, logging => ConfigureLogging(logging, options, config), stop);
        await server.RunUntilCancelledAsync(stop);
        io.Err.WriteLine("serve: stopped.");
    }

    /// <summary>Console logs on stderr (stdout stays for results, as in every deepfm command), one line per entry or
    /// JSON; levels from the settings' <c>Logging</c> section, with ASP.NET Core's own chatter at Warning by default.</summary>
    private static void ConfigureLogging(ILoggingBuilder logging, ServingOptions options, IConfiguration config)
    {
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        logging.AddConfiguration(config.GetSection("Logging"));
        if (options.LogFormat == "json")
            logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
            });
        else
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            });
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
