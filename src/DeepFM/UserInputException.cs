namespace DeepFM;

/// <summary>
/// An error caused by the user's input (data, options, model or cache files) rather than by a bug. The command-line
/// tool prints its message, which names the file, line and field where known, and exits without a stack trace.
/// </summary>
public class UserInputException : Exception
{
    /// <summary>Creates the exception with a message meant for the user.</summary>
    public UserInputException(string message) : base(message) { }

    /// <summary>Creates the exception with a message meant for the user and the underlying cause.</summary>
    public UserInputException(string message, Exception inner) : base(message, inner) { }
}
