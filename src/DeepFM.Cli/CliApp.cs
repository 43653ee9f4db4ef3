namespace DeepFM.Cli;

/// <summary>Entry point of the <c>deepfm</c> tool.</summary>
public static class CliApp
{
    /// <summary>Parses and runs one command; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("deepfm: no commands yet");
        return 2;
    }
}
