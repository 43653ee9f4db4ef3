using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DeepFM.Serving;

/// <summary>Readiness: healthy once a model is loaded (a load balancer sends no traffic before), unhealthy with the
/// reason while none is.</summary>
internal sealed class ModelHealthCheck(ModelHost models) : IHealthCheck
{
    /// <summary>The tag <c>/healthz/ready</c> selects checks by.</summary>
    public const string ReadyTag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (models.Loaded is { } m)
            return Task.FromResult(HealthCheckResult.Healthy($"serving {m.Saved.Model.Config.Model} (sha256 {m.Checksum[..12]})"));
        return Task.FromResult(HealthCheckResult.Unhealthy(models.LoadError is { } e ? $"no model loaded: {e}" : "the model is still loading"));
    }
}
