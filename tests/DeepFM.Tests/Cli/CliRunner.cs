using DeepFM.Cli;

namespace DeepFM.Tests.Cli;

internal static class CliRunner
{
    /// <summary>Runs the tool in-process and captures its output.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
