namespace DeepFM.Distributed;

/// <summary>
/// An MPI call returned an error (the communicator's error handler is <c>MPI_ERRORS_RETURN</c>, so failures come
/// back as codes rather than aborting inside the library). Usually a peer died or the network failed; the run
/// cannot continue, and the other ranks are stopped by <c>mpirun</c>.
/// </summary>
public sealed class MpiException : Exception
{
    /// <summary>Creates the exception for <paramref name="call"/> failing with <paramref name="code"/>.</summary>
    public MpiException(string call, int code, string text) : base($"{call} failed: {text} (MPI error {code}).")
    {
        Call = call;
        Code = code;
    }

    /// <summary>The MPI function that failed.</summary>
    public string Call { get; }

    /// <summary>MPI's error code.</summary>
    public int Code { get; }
}
