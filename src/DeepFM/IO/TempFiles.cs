using System.Globalization;

namespace DeepFM.IO;

/// <summary>
/// Names of the temporary files written next to an output (a model, a cache, a spill) and the removal of the ones
/// a killed writer left behind. A temporary is <c>{output}.tmp-[{kind}-]{pid}-{random}</c>: the writer's process id
/// in the name tells a live writer's file (kept, whatever its age) from a dead one's (removed).
/// </summary>
public static class TempFiles
{
    /// <summary>Age past which a temporary without a process id in its name (older versions' names) counts as stale.</summary>
    public static readonly TimeSpan StaleAge = TimeSpan.FromMinutes(1);

    /// <summary>A new temporary path for <paramref name="output"/>; <paramref name="kind"/> (e.g. <c>slots</c>)
    /// tells temporaries of different roles apart.</summary>
    public static string NewPath(string output, string? kind = null) =>
        $"{output}.tmp-{(kind is null ? "" : kind + "-")}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..12]}";

    /// <summary>Removes the temporaries of <paramref name="output"/> (any kind) whose writer process no longer exists,
    /// and those without a process id older than <see cref="StaleAge"/>; returns how many were removed. Never throws
    /// for a file it cannot remove.</summary>
    public static int RemoveStale(string output)
    {
        string full = Path.GetFullPath(output);
        string? folder = Path.GetDirectoryName(full);
        string prefix = Path.GetFileName(full) + ".tmp-";
        if (folder is null || prefix.Length == ".tmp-".Length || !Directory.Exists(folder)) return 0;
        int removed = 0;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(folder, prefix + "*").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        foreach (string path in candidates)
        {
            string rest = Path.GetFileName(path)[prefix.Length..];
            try
            {
                bool stale = WriterOf(rest) is { } pid
                    ? !ProcessExists(pid)
                    : DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > StaleAge;
                if (!stale) continue;
                File.Delete(path);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return removed;
    }

    /// <summary>The process id in a temporary's name after the <c>.tmp-</c> (<c>[kind-]pid-random</c>), or null.</summary>
    private static int? WriterOf(string rest)
    {
        var parts = rest.Split('-');
        // pid-random, or kind-pid-random: the id is the part before the random tail.
        if (parts.Length < 2) return null;
        return int.TryParse(parts[^2], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0 ? pid : null;
    }

    private static bool ProcessExists(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}");
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
