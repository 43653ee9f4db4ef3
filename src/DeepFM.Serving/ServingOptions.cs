namespace DeepFM.Serving;

/// <summary>Settings of the scoring service (<c>deepfm serve</c>).</summary>
public sealed record ServingOptions
{
    /// <summary>Default largest request body: 8 MB.</summary>
    public const long DefaultMaxBodyBytes = 8L << 20;

    /// <summary>Default most rows per request.</summary>
    public const int DefaultMaxRows = 10_000;

    /// <summary>The model file (.dfm) served at start.</summary>
    public required string ModelPath { get; init; }

    /// <summary>Addresses to listen on, separated by ';' (port 0 picks a free port).</summary>
    public string Urls { get; init; } = "http://127.0.0.1:8080";

    /// <summary>Largest accepted request body in bytes; larger bodies get 413.</summary>
    public long MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    /// <summary>Most rows in one predict request; more get 400.</summary>
    public int MaxRows { get; init; } = DefaultMaxRows;

    /// <summary>Model instances scoring at once (each owns its layer buffers); 0 = one per core.</summary>
    public int Workers { get; init; }

    /// <summary>Rows per forward pass; larger requests are scored in chunks of this size, which bounds the
    /// per-instance activation buffers whatever <see cref="MaxRows"/> is.</summary>
    public int ChunkRows { get; init; } = 1024;

    /// <summary>Threads one request's matrix products may use (0: all cores).</summary>
    public int Threads { get; init; }

    /// <summary>Reload the model when its file changes on disk.</summary>
    public bool Watch { get; init; } = true;

    /// <summary>Quiet time after the last file event before a watched reload, so a file still being copied is
    /// read once it is complete.</summary>
    public TimeSpan WatchDebounce { get; init; } = TimeSpan.FromMilliseconds(500);

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
    }

    /// <summary>Default largest model file a (re)load reads: 16 GiB.</summary>
    public const long DefaultMaxModelBytes = 16L << 30;

    /// <summary>Largest model file a load or reload reads; a larger file is refused before it is read.</summary>
    public long MaxModelBytes { get; init; } = DefaultMaxModelBytes;

    /// <summary>Longest a reload may take (reading, checking and building the model); past it the reload is
    /// answered as failed and the old model keeps serving.</summary>
    public TimeSpan ReloadTimeout { get; init; } = TimeSpan.FromMinutes(2);

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
