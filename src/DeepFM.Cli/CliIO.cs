namespace DeepFM.Cli;

/// <summary>The streams a command writes to (swappable in tests).</summary>
/// <param name="Out">Results.</param>
/// <param name="Err">Progress and diagnostics.</param>
public sealed record CliIO(TextWriter Out, TextWriter Err)
{
    /// <summary>Whether the progress stream is an interactive terminal (live, rewritten progress line).</summary>
    public bool Interactive => ReferenceEquals(Err, Console.Error) && !Console.IsErrorRedirected;
}
