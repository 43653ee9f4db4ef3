using System.Collections;
using System.Reflection;
using DeepFM.Serving;
using Microsoft.Extensions.Configuration;

namespace DeepFM.Cli.Commands;

/// <summary>
/// The settings of <c>deepfm serve</c>, layered as ASP.NET Core apps layer them, later sources winning:
/// appsettings.json (its <c>DeepFM</c> section; a top-level <c>Urls</c> too), <c>ASPNETCORE_URLS</c>,
/// <c>DEEPFM_*</c> environment variables (<c>DEEPFM_MAXROWS</c>, <c>DEEPFM_RELOADTOKEN</c>), then the flags given on the
/// command line (a flag left at its default does not override the file or the environment).
/// </summary>
internal static class ServeSettings
{
    /// <summary>The file read when <c>--settings</c> is not given (when it exists).</summary>
    public const string DefaultFile = "appsettings.json";

    private const string EnvPrefix = "DEEPFM_";

    private static readonly HashSet<string> OptionNames = new(
        typeof(ServingOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name),
        StringComparer.OrdinalIgnoreCase);

    /// <summary>The effective options and the whole configuration (its <c>Logging</c> section sets log levels).</summary>
    /// <param name="flags">Options given explicitly on the command line, by <see cref="ServingOptions"/> property name.</param>
    /// <param name="settingsFile">The appsettings file; <paramref name="settingsRequired"/>: named by --settings, so it must exist.</param>
    /// <param name="environment">The process environment (a parameter so tests need not change the real one).</param>
    /// <exception cref="UserInputException">The file is missing or malformed, a key names no option, or a value does
    /// not convert.</exception>
    public static (ServingOptions Options, IConfiguration Configuration) Resolve(IReadOnlyDictionary<string, string?> flags, string settingsFile,
        bool settingsRequired, IDictionary environment)
    {
        string section = ServingOptions.SectionName;
        IConfigurationRoot file;
        string full = Path.GetFullPath(settingsFile);
        if (settingsRequired && !File.Exists(full)) throw new UserInputException($"--settings {settingsFile}: file not found.");
        try
        {
            file = new ConfigurationBuilder().AddJsonFile(full, optional: true, reloadOnChange: false).Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException)
        {
            throw new UserInputException($"{settingsFile}: {e.InnerException?.Message ?? e.Message}", e);
        }
        var lowest = new Dictionary<string, string?>();
        // ASP.NET Core's own address key, below the DeepFM section's.
        if (file["Urls"] is { } topUrls) lowest[$"{section}:Urls"] = topUrls;
        var aspnet = new Dictionary<string, string?>();
        if (environment["ASPNETCORE_URLS"] is string envUrls && envUrls.Length > 0) aspnet[$"{section}:Urls"] = envUrls;
        var env = new Dictionary<string, string?>();
        foreach (DictionaryEntry e in environment)
        {
            // Only names of options: other DEEPFM_ variables (scripts' own) are not settings of the service.
            if (e.Key is string name && name.StartsWith(EnvPrefix, StringComparison.OrdinalIgnoreCase) && OptionNames.Contains(name[EnvPrefix.Length..]))
                env[$"{section}:{name[EnvPrefix.Length..]}"] = e.Value as string;
        }
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(lowest)
            .AddConfiguration(file)
            .AddInMemoryCollection(aspnet)
            .AddInMemoryCollection(env)
            .AddInMemoryCollection(flags.Select(f => KeyValuePair.Create($"{section}:{f.Key}", f.Value)))
            .Build();
        var options = new ServingOptions();
        try
        {
            config.GetSection(section).Bind(options, b => b.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            // "Failed to convert configuration value at 'DeepFM:MaxRows'..." or "'X' was not found on ...".
            throw new UserInputException($"serve settings ({settingsFile}, {EnvPrefix}* variables, flags): {(e.InnerException is { } inner ? e.Message + " " + inner.Message : e.Message)}", e);
        }
        if (string.IsNullOrWhiteSpace(options.ModelPath))
            throw new UserInputException($"--model is required (or \"{section}\": {{\"ModelPath\": ...}} in {settingsFile}, or {EnvPrefix}MODELPATH).");
        return (options, config);
    }
}
