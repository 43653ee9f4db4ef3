using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DeepFM.Serving;

/// <summary>
/// The service's instruments on the <see cref="MeterName"/> meter (System.Diagnostics.Metrics), which any listener can
/// export: <c>deepfm serve</c> exports them with OpenTelemetry in Prometheus format at <c>/metrics</c>. The totals are
/// also kept as plain numbers for tests and in-process hosts.
/// </summary>
/// <remarks>Instruments, in Prometheus names: <c>deepfm_http_requests_total{endpoint,status}</c>,
/// <c>deepfm_rows_scored_total</c>, <c>deepfm_predict_errors_total{status}</c>, <c>deepfm_predict_duration_seconds</c>
/// (histogram), <c>deepfm_model_reloads_total{result}</c> and <c>deepfm_model_info{model,checksum}</c>.</remarks>
public sealed class ServingMetrics : IDisposable
{
    /// <summary>Name of the meter; add it to a metrics pipeline (<c>AddMeter(ServingMetrics.MeterName)</c>).</summary>
    public const string MeterName = "DeepFM.Serving";

    /// <summary>Upper bounds (seconds) of the predict latency histogram buckets; +Inf is implied.</summary>
    public static IReadOnlyList<double> LatencyBuckets { get; } = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private static readonly string[] EndpointNames = ["predict", "model", "healthz", "reload"];
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _requests, _rows, _errors, _reloads;
    private readonly Histogram<double> _latency;
    private long _predictRequests, _rowsScored, _errorCount, _reloadsOk, _reloadsRejected;
    private Func<LoadedModel?>? _model;

    /// <summary>Creates the instruments on a meter of <paramref name="meterFactory"/> (the host's, so each host
    /// has its own), or on a meter of its own without one.</summary>
    public ServingMetrics(IMeterFactory? meterFactory = null)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _requests = _meter.CreateCounter<long>("deepfm.http.requests", "{request}", "HTTP requests by endpoint and status.");
        _rows = _meter.CreateCounter<long>("deepfm.rows_scored", "{row}", "Rows scored by /v1/predict.");
        _errors = _meter.CreateCounter<long>("deepfm.predict.errors", "{request}", "Predict requests answered with an error, by status.");
        _reloads = _meter.CreateCounter<long>("deepfm.model.reloads", "{reload}", "Model reloads, by result.");
        _latency = _meter.CreateHistogram<double>("deepfm.predict.duration", "s", "Time to answer /v1/predict, body read to response written.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _meter.CreateObservableGauge("deepfm.model.info", ObserveModel, unit: null, description: "The model being served (1, labelled by model and checksum).");
    }

    internal enum Endpoint { Predict, Model, Healthz, Reload }

    /// <summary>The model the info gauge describes (set by the <see cref="ModelHost"/>).</summary>
    internal void Describe(Func<LoadedModel?> model) => _model = model;

    internal void Request(Endpoint e, int status)
    {
        if (e == Endpoint.Predict) Interlocked.Increment(ref _predictRequests);
        _requests.Add(1, new KeyValuePair<string, object?>("endpoint", EndpointNames[(int)e]), new KeyValuePair<string, object?>("status", StatusLabel(status)));
    }

    /// <summary>Records one finished predict request.</summary>
    internal void Predicted(long startTimestamp, int rows, int status)
    {
        double seconds = Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
        // Rows before the request count: whoever sees the request counted sees its rows too.
        if (rows > 0)
        {
            Interlocked.Add(ref _rowsScored, rows);
            _rows.Add(rows);
        }
        _latency.Record(seconds);
        Request(Endpoint.Predict, status);
        if (status is >= 200 and < 300) return;
        Interlocked.Increment(ref _errorCount);
        _errors.Add(1, new KeyValuePair<string, object?>("status", status >= 500 ? "5xx" : StatusLabel(status)));
    }

    internal void Reloaded(bool ok)
    {
        Interlocked.Increment(ref ok ? ref _reloadsOk : ref _reloadsRejected);
        _reloads.Add(1, new KeyValuePair<string, object?>("result", ok ? "ok" : "rejected"));
    }

    /// <summary>Predict requests answered so far (any status).</summary>
    public long PredictRequests => Interlocked.Read(ref _predictRequests);

    /// <summary>Rows scored so far.</summary>
    public long RowsScored => Interlocked.Read(ref _rowsScored);

    /// <summary>Predict requests answered with an error status.</summary>
    public long Errors => Interlocked.Read(ref _errorCount);

    /// <summary>Successful reloads.</summary>
    public long Reloads => Interlocked.Read(ref _reloadsOk);

    /// <summary>Rejected reloads (the old model kept serving).</summary>
    public long ReloadFailures => Interlocked.Read(ref _reloadsRejected);

    private IEnumerable<Measurement<int>> ObserveModel()
    {
        if (_model?.Invoke() is not { } m) yield break;
        yield return new Measurement<int>(1, new KeyValuePair<string, object?>("model", m.Saved.Model.Config.Model),
            new KeyValuePair<string, object?>("checksum", m.Checksum));
    }

    // Status codes as cached strings: a boxed int per request would allocate, and labels are text anyway.
    private static readonly string[] StatusText = [.. Enumerable.Range(0, 600).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private static string StatusLabel(int status) => (uint)status < StatusText.Length ? StatusText[status] : "other";

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsMeter) _meter.Dispose();
    }
}
