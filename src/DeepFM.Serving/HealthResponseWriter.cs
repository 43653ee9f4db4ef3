using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DeepFM.Serving;

/// <summary>Health answers as JSON, <c>{"status": "Healthy", "checks": {"model": {"status": ..., "description": ...}}}</c>,
/// so a probe failing says why (the default writer prints one word).</summary>
internal static class HealthResponseWriter
{
    public static async Task WriteAsync(HttpContext ctx, HealthReport report)
    {
        ctx.Response.ContentType = "application/json";
        using var w = new Utf8JsonWriter(ctx.Response.BodyWriter);
        w.WriteStartObject();
        w.WriteString("status", report.Status.ToString());
        w.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            w.WriteStartObject(name);
            w.WriteString("status", entry.Status.ToString());
            if (entry.Description is not null) w.WriteString("description", entry.Description);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
        await w.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
    }
}
