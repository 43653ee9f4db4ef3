using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace DeepFM.Serving;

/// <summary>Maps the scoring endpoints into any ASP.NET Core app (after
/// <see cref="ScoringServiceCollectionExtensions.AddDeepFMScoring(IServiceCollection, Action{ServingOptions}?)"/>).</summary>
public static class ScoringEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST /v1/predict</c>, <c>GET /v1/model</c>, <c>POST /v1/reload</c>, <c>GET /healthz</c> and the health
    /// checks <c>GET /healthz/live</c> (the process answers) and <c>GET /healthz/ready</c> (a model is loaded), under
    /// <paramref name="prefix"/>. Returns the group, for conventions such as <c>RequireAuthorization</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">AddDeepFMScoring was not called.</exception>
    public static RouteGroupBuilder MapDeepFMScoring(this IEndpointRouteBuilder endpoints, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var handlers = endpoints.ServiceProvider.GetService<ScoringEndpoints>()
                       ?? throw new InvalidOperationException("MapDeepFMScoring needs the scoring services: call services.AddDeepFMScoring(...) first.");
        var group = endpoints.MapGroup(prefix);
        // Func, not RequestDelegate: endpoints built from a plain RequestDelegate carry no method and are left out of
        // the OpenAPI document.
        Func<HttpContext, Task> predict = handlers.PredictAsync, model = handlers.ModelAsync, health = handlers.HealthAsync, reload = handlers.ReloadAsync;
        group.MapPost("/v1/predict", predict)
            .WithName("Predict").WithTags("Scoring")
            .WithSummary("Click probabilities of rows")
            .WithDescription("JSON rows ({\"rows\": [{field: value}]}) or Criteo TSV lines (text/tab-separated-values, label column optional and ignored); answers one probability per row, in request order.")
            .AddOpenApiOperationTransformer((op, ctx, cancel) => DescribeBodyAsync(op, ctx, typeof(PredictRequest), required: true, tsv: true, cancel))
            .Produces<PredictResponse>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/v1/model", model)
            .WithName("Model").WithTags("Scoring")
            .WithSummary("The served model: type, config, fields, training metadata, file and SHA-256")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapPost("/v1/reload", reload)
            .WithName("Reload").WithTags("Scoring")
            .WithSummary("Load another model file from the model directory (bearer token; off unless configured)")
            .AddOpenApiOperationTransformer((op, ctx, cancel) => DescribeBodyAsync(op, ctx, typeof(ReloadRequest), required: false, tsv: false, cancel))
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/healthz", health)
            .WithName("Health").WithTags("Health")
            .WithSummary("Status, model type and checksum")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponseWriter.WriteAsync });
        group.MapHealthChecks("/healthz/ready", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(ModelHealthCheck.ReadyTag),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        });
        return group;
    }

    /// <summary>
    /// The request body in the OpenAPI document only. <c>Accepts</c> would say the same but also add content-type
    /// matching to routing, which answers other types with a bare 415 before the handler can say what to send.
    /// </summary>
    private static async Task DescribeBodyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, Type json, bool required, bool tsv,
        CancellationToken cancel)
    {
        var content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(json, null, cancel).ConfigureAwait(false) },
        };
        if (tsv)
            content["text/tab-separated-values"] = new()
            {
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Criteo lines: 40 columns (label first, ignored) or 39." },
            };
        operation.RequestBody = new OpenApiRequestBody { Required = required, Content = content };
    }
}
