using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace DeepFM.Serving;

/// <summary>Counters of the service, rendered in the Prometheus text exposition format (version 0.0.4).</summary>
public sealed class ServingMetrics
{
    /// <summary>Upper bounds (seconds) of the predict latency histogram buckets; +Inf is implied.</summary>
    public static IReadOnlyList<double> LatencyBuckets { get; } = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private static readonly string[] Endpoints = ["predict", "model", "healthz", "metrics", "reload"];
    private readonly long[] _requests = new long[Endpoints.Length];
    private readonly long[] _buckets = new long[LatencyBuckets.Count + 1];
    private long _latencyTicks, _latencyCount, _rows;
    private long _err400, _err413, _err415, _err5xx, _errOther;
    private long _reloads, _reloadFailures;

    internal enum Endpoint { Predict, Model, Healthz, Metrics, Reload }

    internal void Request(Endpoint e) => Interlocked.Increment(ref _requests[(int)e]);

    /// <summary>Records one finished predict request.</summary>
    internal void Predicted(long startTimestamp, int rows, int status)
    {
        long ticks = Stopwatch.GetTimestamp() - startTimestamp;
        double seconds = (double)ticks / Stopwatch.Frequency;
        int b = 0;
        while (b < LatencyBuckets.Count && seconds > LatencyBuckets[b]) b++;
        Interlocked.Increment(ref _buckets[b]);
        Interlocked.Add(ref _latencyTicks, ticks);
        Interlocked.Increment(ref _latencyCount);
        if (rows > 0) Interlocked.Add(ref _rows, rows);
        if (status >= 200 && status < 300) return;
        switch (status)
        {
            case 400: Interlocked.Increment(ref _err400); break;
            case 413: Interlocked.Increment(ref _err413); break;
            case 415: Interlocked.Increment(ref _err415); break;
            case >= 500: Interlocked.Increment(ref _err5xx); break;
            default: Interlocked.Increment(ref _errOther); break;
        }
    }

    internal void Reloaded(bool ok) => Interlocked.Increment(ref ok ? ref _reloads : ref _reloadFailures);

    /// <summary>Predict requests answered so far (any status).</summary>
    public long PredictRequests => Interlocked.Read(ref _requests[(int)Endpoint.Predict]);

    /// <summary>Rows scored so far.</summary>
    public long RowsScored => Interlocked.Read(ref _rows);

    /// <summary>Predict requests answered with an error status.</summary>
    public long Errors => Interlocked.Read(ref _err400) + Interlocked.Read(ref _err413) + Interlocked.Read(ref _err415)
                          + Interlocked.Read(ref _err5xx) + Interlocked.Read(ref _errOther);

    /// <summary>Successful reloads.</summary>
    public long Reloads => Interlocked.Read(ref _reloads);

    /// <summary>Rejected reloads (the old model kept serving).</summary>
    public long ReloadFailures => Interlocked.Read(ref _reloadFailures);

    /// <summary>The exposition text; <paramref name="model"/> labels the info gauge.</summary>
    public string Render(LoadedModel model)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(2048);
        sb.Append("# HELP deepfm_http_requests_total HTTP requests by endpoint.\n# TYPE deepfm_http_requests_total counter\n");
        for (int i = 0; i < Endpoints.Length; i++)
            sb.Append(ci, $"deepfm_http_requests_total{{endpoint=\"{Endpoints[i]}\"}} {Interlocked.Read(ref _requests[i])}\n");
        sb.Append("# HELP deepfm_rows_scored_total Rows scored by /v1/predict.\n# TYPE deepfm_rows_scored_total counter\n");
        sb.Append(ci, $"deepfm_rows_scored_total {RowsScored}\n");
        sb.Append("# HELP deepfm_predict_errors_total Predict requests answered with an error, by status.\n# TYPE deepfm_predict_errors_total counter\n");
        sb.Append(ci, $"deepfm_predict_errors_total{{status=\"400\"}} {Interlocked.Read(ref _err400)}\n");
        sb.Append(ci, $"deepfm_predict_errors_total{{status=\"413\"}} {Interlocked.Read(ref _err413)}\n");
        sb.Append(ci, $"deepfm_predict_errors_total{{status=\"415\"}} {Interlocked.Read(ref _err415)}\n");
        sb.Append(ci, $"deepfm_predict_errors_total{{status=\"5xx\"}} {Interlocked.Read(ref _err5xx)}\n");
        sb.Append(ci, $"deepfm_predict_errors_total{{status=\"other\"}} {Interlocked.Read(ref _errOther)}\n");
        sb.Append("# HELP deepfm_predict_duration_seconds Time to answer /v1/predict, body read to response written.\n# TYPE deepfm_predict_duration_seconds histogram\n");
        long cumulative = 0;
        for (int b = 0; b < _buckets.Length; b++)
        {
            cumulative += Interlocked.Read(ref _buckets[b]);
            string le = b < LatencyBuckets.Count ? LatencyBuckets[b].ToString("R", ci) : "+Inf";
            sb.Append(ci, $"deepfm_predict_duration_seconds_bucket{{le=\"{le}\"}} {cumulative}\n");
        }
        sb.Append(ci, $"deepfm_predict_duration_seconds_sum {(double)Interlocked.Read(ref _latencyTicks) / Stopwatch.Frequency:R}\n");
        sb.Append(ci, $"deepfm_predict_duration_seconds_count {Interlocked.Read(ref _latencyCount)}\n");
        sb.Append("# HELP deepfm_model_reloads_total Model reloads, by result.\n# TYPE deepfm_model_reloads_total counter\n");
        sb.Append(ci, $"deepfm_model_reloads_total{{result=\"ok\"}} {Reloads}\n");
        sb.Append(ci, $"deepfm_model_reloads_total{{result=\"rejected\"}} {ReloadFailures}\n");
        sb.Append("# HELP deepfm_model_info The model being served.\n# TYPE deepfm_model_info gauge\n");
        sb.Append(ci, $"deepfm_model_info{{model=\"{Escape(model.Saved.Model.Config.Model)}\",checksum=\"{model.Checksum}\"}} 1\n");
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
