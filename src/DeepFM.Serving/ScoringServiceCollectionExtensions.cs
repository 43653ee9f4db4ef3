using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeepFM.Serving;

/// <summary>
/// Registers the scoring service in an app's container, to be mapped with
/// <see cref="ScoringEndpointRouteBuilderExtensions.MapDeepFMScoring"/>: the model host (loaded when the host starts),
/// the handlers, the <see cref="ServingMetrics"/> meter, problem details and the readiness health check.
/// </summary>
/// <example>
/// <code>
/// var builder = WebApplication.CreateBuilder(args);
/// builder.Services.AddDeepFMScoring(builder.Configuration.GetSection(ServingOptions.SectionName));
/// var app = builder.Build();
/// app.MapDeepFMScoring();
/// app.Run();
/// </code>
/// </example>
public static class ScoringServiceCollectionExtensions
{
    /// <summary>Adds the scoring service with options set by <paramref name="configure"/> (and by any other
    /// <c>Configure&lt;ServingOptions&gt;</c>); they are validated when the host starts.</summary>
    public static IServiceCollection AddDeepFMScoring(this IServiceCollection services, Action<ServingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ServingOptions>();
        if (configure is not null) options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServingOptions>, ServingOptionsValidator>());
        return AddCore(services, sp => sp.GetRequiredService<IOptions<ServingOptions>>().Value);
    }

    /// <summary>Adds the scoring service with options bound from <paramref name="configuration"/> (the
    /// <see cref="ServingOptions.SectionName"/> section, usually); a key that names no option is an error.</summary>
    public static IServiceCollection AddDeepFMScoring(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // A misspelt key would otherwise be ignored silently and the default served.
        services.AddOptions<ServingOptions>().Bind(configuration, b => b.ErrorOnUnknownConfiguration = true);
        return services.AddDeepFMScoring();
    }

    /// <summary>Adds the scoring service with these exact options, checked now.</summary>
    /// <exception cref="UserInputException">A setting is out of range.</exception>
    public static IServiceCollection AddDeepFMScoring(this IServiceCollection services, ServingOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return AddCore(services, _ => options);
    }

    private static IServiceCollection AddCore(IServiceCollection services, Func<IServiceProvider, ServingOptions> options)
    {
        // Twice would load the model twice and run two watches.
        if (services.Any(d => d.ServiceType == typeof(ScoringEndpoints))) return services;
        services.AddMetrics();
        services.AddSingleton(sp => new ServingMetrics(sp.GetService<IMeterFactory>()));
        services.AddSingleton(sp => new ModelHost(options(sp), sp.GetRequiredService<ServingMetrics>(), sp.GetService<ILogger<ModelHost>>()));
        services.AddSingleton(sp => new ScoringEndpoints(sp.GetRequiredService<ModelHost>(), sp.GetRequiredService<ServingMetrics>(), options(sp),
            sp.GetRequiredService<ILogger<ScoringEndpoints>>()));
        services.AddHostedService(sp => new ModelLoader(sp.GetRequiredService<ModelHost>(), options(sp), sp.GetRequiredService<ILogger<ModelLoader>>()));
        services.AddProblemDetails();
        services.AddHealthChecks().AddCheck<ModelHealthCheck>("model", tags: [ModelHealthCheck.ReadyTag]);
        return services;
    }
}
