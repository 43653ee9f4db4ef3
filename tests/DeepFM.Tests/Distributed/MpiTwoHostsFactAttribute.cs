using System.Globalization;

namespace DeepFM.Tests.Distributed;

/// <summary>A fact that needs Open MPI and the right to make network namespaces (CAP_SYS_ADMIN and CAP_NET_ADMIN, as
/// root outside a restricted container, and iproute2's <c>ip</c>), for tools/mpi-two-hosts.sh; skipped, with the
/// reason, without them.</summary>
public sealed class MpiTwoHostsFactAttribute : FactAttribute
{
    private const int CapNetAdmin = 12, CapSysAdmin = 21;

    public MpiTwoHostsFactAttribute()
    {
        if (MpiRunner.Unavailable is { } why) Skip = why;
        else if (!HasCapabilities()) Skip = "Making network namespaces for the two-host test needs CAP_SYS_ADMIN and CAP_NET_ADMIN (root).";
        else if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip")) Skip = "iproute2's ip is not installed.";
    }

    /// <summary>Whether this process's effective capabilities (/proc/self/status, CapEff) include both.</summary>
    private static bool HasCapabilities()
    {
        try
        {
            string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
            if (line is null || !ulong.TryParse(line[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong caps)) return false;
            return (caps >> CapNetAdmin & 1) == 1 && (caps >> CapSysAdmin & 1) == 1;
        }
        catch (IOException) { return false; }
    }
}
