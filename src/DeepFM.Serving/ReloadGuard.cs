using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace DeepFM.Serving;

/// <summary>
/// Who may reload and what: <c>POST /v1/reload</c> needs the configured bearer token, and a path it names must lie in
/// the model directory, also after following symbolic links (a link inside pointing outside is refused).
/// </summary>
internal sealed class ReloadGuard
{
    private readonly byte[]? _tokenHash;
    private readonly string _directory;

    public ReloadGuard(ServingOptions options)
    {
        // Only the hash is kept and compared, in fixed time: the comparison tells nothing about the token's length or
        // how much of a guess matched.
        _tokenHash = string.IsNullOrEmpty(options.ReloadToken) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(options.ReloadToken));
        _directory = string.IsNullOrWhiteSpace(options.ModelPath) ? "/" : options.ResolveModelDirectory();
    }

    /// <summary>Whether reloading over HTTP is on (a token is configured).</summary>
    public bool Enabled => _tokenHash is not null;

    /// <summary>The folder reload paths must lie in.</summary>
    public string Directory => _directory;

    /// <summary>Null when the request carries the token; otherwise why not (answered with 401).</summary>
    public string? Refusal(HttpRequest request)
    {
        string? header = request.Headers.Authorization.FirstOrDefault();
        if (string.IsNullOrEmpty(header)) return "POST /v1/reload needs the reload token: send Authorization: Bearer <token>.";
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return "the Authorization header must use the Bearer scheme.";
        byte[] given = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, _tokenHash) ? null : "the bearer token is not the reload token.";
    }

    /// <summary>The full path of <paramref name="requested"/> (relative paths are taken inside the model directory).</summary>
    /// <exception cref="RequestException">403: the path, or where its links lead, is outside the model directory.</exception>
    public string Resolve(string requested)
    {
        if (requested.Contains('\0')) throw new RequestException(StatusCodes.Status400BadRequest, "the reload path contains a NUL character.");
        string full = Path.GetFullPath(requested, _directory);
        if (!IsInside(_directory, full))
            throw new RequestException(StatusCodes.Status403Forbidden, $"{requested} is outside the model directory; reloads may only load files under {_directory}.");
        if (!IsInside(RealPath(_directory, 0), RealPath(full, 0)))
            throw new RequestException(StatusCodes.Status403Forbidden, $"{requested} leads outside the model directory through a symbolic link; reloads may only load files under {_directory}.");
        return full;
    }

    private static bool IsInside(string directory, string path)
    {
        string prefix = Path.EndsInDirectorySeparator(directory) ? directory : directory + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal);
    }

    /// <summary>The path with every symbolic link along it followed (the parts that do not exist are kept as they are).</summary>
    private static string RealPath(string path, int depth)
    {
        if (depth > 40) throw new RequestException(StatusCodes.Status400BadRequest, "the reload path has too many levels of symbolic links.");
        string root = Path.GetPathRoot(path)!;
        string current = root;
        var parts = path[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            string next = Path.Combine(current, parts[i]);
            FileSystemInfo info = System.IO.Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (!info.Exists && info.LinkTarget is null) return Path.Combine([next, .. parts[(i + 1)..]]);
            if (info.LinkTarget is { } target)
                next = RealPath(Path.GetFullPath(target, current), depth + 1);
            current = next;
        }
        return current;
    }
}
