namespace DeepFM.Serving;

/// <summary>
/// Settings of the scoring service: <c>deepfm serve</c>'s flags, the <c>DeepFM</c> section of appsettings.json, the
/// <c>DEEPFM_*</c> environment variables, or <see cref="ScoringServiceCollectionExtensions.AddDeepFMScoring(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{ServingOptions}?)"/>.
/// Properties are settable so the options pattern (binding, <c>Configure</c>) can fill them; <see cref="Validate"/> checks them.
/// </summary>
public sealed record ServingOptions
{
    /// <summary>The configuration section the options are bound from (<c>DeepFM:MaxRows</c>, <c>DEEPFM_MAXROWS</c>).</summary>
    public const string SectionName = "DeepFM";

    /// <summary>Shortest accepted <see cref="ReloadToken"/>: a guessable token would guard nothing.</summary>
    public const int MinReloadTokenLength = 16;

    /// <summary>Default largest request body: 8 MB.</summary>
    public const long DefaultMaxBodyBytes = 8L << 20;

    /// <summary>Default most rows per request.</summary>
    public const int DefaultMaxRows = 10_000;

    /// <summary>The model file (.dfm) served at start.</summary>
    public string ModelPath { get; set; } = "";

    /// <summary>Addresses to listen on, separated by ';' (port 0 picks a free port).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Largest accepted request body in bytes; larger bodies get 413.</summary>
    public long MaxBodyBytes { get; set; } = DefaultMaxBodyBytes;

    /// <summary>Most rows in one predict request; more get 400.</summary>
    public int MaxRows { get; set; } = DefaultMaxRows;

    /// <summary>Model instances scoring at once (each owns its layer buffers); 0 = one per core.</summary>
    public int Workers { get; set; }

    /// <summary>Rows per forward pass; larger requests are scored in chunks of this size, which bounds the
    /// per-instance activation buffers whatever <see cref="MaxRows"/> is.</summary>
    public int ChunkRows { get; set; } = 1024;

    /// <summary>Threads one request's matrix products may use (0: all cores).</summary>
    public int Threads { get; set; }

    /// <summary>Reload the model when its file changes on disk.</summary>
    public bool Watch { get; set; } = true;

    /// <summary>Quiet time after the last file event before a watched reload, so a file still being copied is
    /// read once it is complete.</summary>
    public TimeSpan WatchDebounce { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The bearer token <c>POST /v1/reload</c> requires (<c>Authorization: Bearer ...</c>). Unset, reloading over HTTP is
    /// off (404): anyone who can reach the port could otherwise make the service read any file it can open. At least
    /// <see cref="MinReloadTokenLength"/> characters.
    /// </summary>
    public string? ReloadToken { get; set; }

    /// <summary>
    /// The only folder <c>POST /v1/reload</c> may load from (relative paths are taken inside it; a path or symbolic
    /// link leading outside is refused with 403). Default: the folder of <see cref="ModelPath"/>.
    /// </summary>
    public string? ModelDirectory { get; set; }

    /// <summary>
    /// Start answering before the model is loaded: liveness is up at once and readiness (<c>/healthz/ready</c>) turns
    /// healthy when the model is in; predictions get 503 until then. Off, the host does not start until the model is
    /// loaded, and a bad model fails the start.
    /// </summary>
    public bool BackgroundLoad { get; set; }

    /// <summary>Log one line per request (method, path, status, milliseconds); used by <see cref="ScoringServer"/>.</summary>
    public bool RequestLogging { get; set; } = true;

    /// <summary>Console log format of <c>deepfm serve</c>: <c>simple</c> (one line per message) or <c>json</c>.</summary>
    public string LogFormat { get; set; } = "simple";

    /// <summary>Test-only fault: called before scoring, to exercise the internal-error path.</summary>
    internal Action? FaultForTests { get; set; }

    /// <summary>The folder reloads are limited to: <see cref="ModelDirectory"/> or the served model's folder.</summary>
    /// <remarks>A method, not a property: the record's ToString and equality would call it on unchecked settings.</remarks>
    public string ResolveModelDirectory() =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(ModelDirectory) ? Path.GetDirectoryName(Path.GetFullPath(ModelPath))! : ModelDirectory);

    /// <summary>Checks the settings.</summary>
    /// <exception cref="UserInputException">A setting is out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelPath)) throw new UserInputException("--model is required.");
        if (string.IsNullOrWhiteSpace(Urls)) throw new UserInputException("--urls must name at least one address.");
        foreach (string url in Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) CheckUrl(url);
        if (MaxModelBytes < 1) throw new UserInputException($"the largest model file must be positive, not {MaxModelBytes}.");
        if (ReloadTimeout <= TimeSpan.Zero) throw new UserInputException($"the reload timeout must be positive, not {ReloadTimeout}.");
        if (MaxBodyBytes < 1) throw new UserInputException($"--max-body-bytes must be positive, not {MaxBodyBytes}.");
        if (MaxRows < 1) throw new UserInputException($"--max-rows must be positive, not {MaxRows}.");
        if (Workers < 0) throw new UserInputException($"--workers must be 0 (one per core) or more, not {Workers}.");
        if (Threads < 0) throw new UserInputException($"--threads must be 0 (all cores) or more, not {Threads}.");
        if (ChunkRows < 1) throw new UserInputException($"chunk rows must be positive, not {ChunkRows}.");
        if (ReloadToken is { } token && token.Length < MinReloadTokenLength)
            throw new UserInputException($"--reload-token must have at least {MinReloadTokenLength} characters, not {token.Length}.");
        if (!string.IsNullOrWhiteSpace(ModelDirectory) && !Directory.Exists(ModelDirectory))
            throw new UserInputException($"--model-dir {ModelDirectory}: no such folder.");
        if (LogFormat is not ("simple" or "json"))
            throw new UserInputException($"--log-format must be simple or json, not '{LogFormat}'.");
    }

    /// <summary>Default largest model file a (re)load reads: 16 GiB.</summary>
    public const long DefaultMaxModelBytes = 16L << 30;

    /// <summary>Largest model file a load or reload reads; a larger file is refused before it is read.</summary>
    public long MaxModelBytes { get; set; } = DefaultMaxModelBytes;

    /// <summary>Longest a reload may take (reading, checking and building the model); past it the reload is
    /// answered as failed and the old model keeps serving.</summary>
    public TimeSpan ReloadTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>One address of --urls: http or https, a host (<c>*</c> and <c>+</c> for every interface) and an
    /// optional port 0–65535; anything else is a clear error here instead of an exception from the web server.</summary>
    private static void CheckUrl(string url)
    {
        string example = "expected e.g. http://127.0.0.1:8080";
        int sep = url.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0) throw new UserInputException($"--urls: '{url}' is not an address ({example}).");
        string scheme = url[..sep];
        if (!scheme.Equals("http", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
            throw new UserInputException($"--urls: '{url}': the scheme must be http or https, not '{scheme}'.");
        string rest = url[(sep + 3)..];
        int slash = rest.IndexOf('/');
        string authority = slash < 0 ? rest : rest[..slash];
        string host = authority;
        int close = authority.LastIndexOf(']'), colon = authority.LastIndexOf(':');
        if (colon > close)
        {
            host = authority[..colon];
            string port = authority[(colon + 1)..];
            if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) || p > 65535)
                throw new UserInputException($"--urls: '{url}': the port must be a number from 0 to 65535, not '{port}'.");
        }
        if (host.Length == 0) throw new UserInputException($"--urls: '{url}' names no host ({example}).");
        if (host is not ("*" or "+") && Uri.CheckHostName(host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host) == UriHostNameType.Unknown)
            throw new UserInputException($"--urls: '{url}': '{host}' is not a host name or IP address ({example}).");
    }

    /// <summary>Workers with 0 resolved to the core count.</summary>
    public int EffectiveWorkers => Workers > 0 ? Workers : Environment.ProcessorCount;
}
