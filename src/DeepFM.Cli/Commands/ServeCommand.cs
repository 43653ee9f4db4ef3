using System.CommandLine;
using System.Runtime.InteropServices;
using DeepFM.Engine;
using DeepFM.Serving;

namespace DeepFM.Cli.Commands;

/// <summary><c>deepfm serve</c>: the HTTP scoring service (see <see cref="ScoringServer"/>).</summary>
internal static class ServeCommand
{
    public static Command Create(CliIO io)
    {
        var model = new Option<string>("--model") { Description = "Saved model (.dfm) to serve; reloaded when the file changes.", Required = true };
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on, ';'-separated (port 0 picks a free one).", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Largest request body; larger ones get 413.", DefaultValueFactory = _ => ServingOptions.DefaultMaxBodyBytes };
        var maxRows = new Option<int>("--max-rows") { Description = "Most rows per predict request; more get 400.", DefaultValueFactory = _ => ServingOptions.DefaultMaxRows };
        var workers = new Option<int>("--workers") { Description = "Model instances scoring at once (default: one per core).", DefaultValueFactory = _ => 0 };
        var watch = new Option<bool>("--watch") { Description = "Reload the model when its file changes (true/false).", DefaultValueFactory = _ => true };
        var threads = ModelOptionSet.ThreadsOption("Threads one large request's matrix products may use (default: all cores).");
        var command = new Command("serve",
            "Serve click probabilities over HTTP: POST /v1/predict (JSON rows or Criteo TSV lines), GET /healthz, GET /v1/model, GET /metrics, POST /v1/reload.")
        { model, urls, maxBody, maxRows, workers, watch, threads };
        command.SetAction(r =>
        {
            var options = new ServingOptions
            {
                ModelPath = r.GetValue(model)!,
                Urls = r.GetValue(urls)!,
                MaxBodyBytes = r.GetValue(maxBody),
                MaxRows = r.GetValue(maxRows),
                Workers = r.GetValue(workers),
                Watch = r.GetValue(watch),
                Threads = r.GetValue(threads),
            };
            using var stop = new CancellationTokenSource();
            // Ctrl-C and SIGTERM (docker stop, systemd) both stop gracefully: in-flight requests are answered first.
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            ConsoleCancelEventHandler onCtrlC = (_, e) => { e.Cancel = true; stop.Cancel(); };
            Console.CancelKeyPress += onCtrlC;
            try
            {
                Run(options, io, stop.Token).GetAwaiter().GetResult();
            }
            finally
            {
                Console.CancelKeyPress -= onCtrlC;
            }
            return 0;
        });
        return command;
    }

    private static async Task Run(ServingOptions options, CliIO io, CancellationToken stop)
    {
        var log = TextWriter.Synchronized(io.Err);
        await using var server = await ScoringServer.StartAsync(options, log.WriteLine, stop);
        var m = server.Models.Current;
        log.WriteLine($"serve: {m.Saved.Model.Config.Model} from {m.Path} (sha256 {m.Checksum[..12]}, {m.Workers} workers) on {string.Join(", ", server.Urls)}");
        log.WriteLine("serve: POST /v1/predict, GET /healthz, GET /v1/model, GET /metrics, POST /v1/reload; Ctrl-C stops.");
        await server.RunUntilCancelledAsync(stop);
        log.WriteLine("serve: stopping.");
    }
}
