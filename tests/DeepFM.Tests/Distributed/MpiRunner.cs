using System.Diagnostics;
using System.Runtime.InteropServices;
using DeepFM.Tests.Data;

namespace DeepFM.Tests.Distributed;

/// <summary>Starts the deepfm tool (the built DeepFM.Cli.dll) as the ranks of an Open MPI job.</summary>
internal static class MpiRunner
{
    /// <summary>Open MPI's launcher: <c>mpirun.openmpi</c> where MPICH may also be installed, else <c>mpirun</c>.</summary>
    public static string? Mpirun { get; } = FindOnPath("mpirun.openmpi") ?? FindOnPath("mpirun");

    /// <summary>Why the MPI tests cannot run here, or null.</summary>
    public static string? Unavailable { get; } = WhyUnavailable();

    private static string? WhyUnavailable()
    {
        if (Mpirun is null) return "Open MPI is not installed (no mpirun on PATH; apt-get install openmpi-bin).";
        if (!NativeLibrary.TryLoad("libmpi.so.40", out var lib)) return "Open MPI's libmpi.so.40 cannot be loaded (apt-get install openmpi-bin).";
        NativeLibrary.Free(lib);
        if (CliDll() is null) return "DeepFM.Cli.dll (with its runtimeconfig) not found next to the tests or under src/DeepFM.Cli/bin.";
        return null;
    }

    /// <summary>The tool's entry assembly: next to the tests (a referenced project), else its own build output.</summary>
    public static string? CliDll()
    {
        string here = Path.Combine(AppContext.BaseDirectory, "DeepFM.Cli.dll");
        if (File.Exists(Path.ChangeExtension(here, ".runtimeconfig.json"))) return here;
        string? root = DataTestUtil.RepoRoot();
        if (root is null) return null;
        foreach (var config in new[] { "Release", "Debug" })
        {
            string p = Path.Combine(root, "src", "DeepFM.Cli", "bin", config, "net10.0", "DeepFM.Cli.dll");
            if (File.Exists(p) && File.Exists(Path.ChangeExtension(p, ".runtimeconfig.json"))) return p;
        }
        return null;
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    /// <summary>The start info of <c>mpirun -np <paramref name="ranks"/> dotnet DeepFM.Cli.dll args</c>.</summary>
    public static ProcessStartInfo StartInfo(int ranks, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Mpirun!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // More ranks than cores, and no pinning: the tests share a small machine.
        foreach (var a in new[] { "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "--oversubscribe", "--bind-to", "none", "dotnet", CliDll()! }) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // CI runs as root; .NET writes terminal codes under mpirun unless TERM=dumb; containers may lack CMA for
        // the shared-memory transport's single-copy path.
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        psi.Environment["TERM"] = "dumb";
        psi.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return psi;
    }

    /// <summary>Runs the job to its end (or kills it after <paramref name="timeout"/>) and returns its output.</summary>
    public static (int Code, string Out, string Err) Run(int ranks, TimeSpan timeout, params string[] args)
    {
        using var p = Process.Start(StartInfo(ranks, args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"mpirun -np {ranks} {string.Join(' ', args)} ran past {timeout}:\n{stdout.Result}\n{stderr.Result}");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
