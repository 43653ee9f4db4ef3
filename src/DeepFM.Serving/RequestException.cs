namespace DeepFM.Serving;

/// <summary>A request the service refuses: the HTTP status and a message naming the row and field.</summary>
internal sealed class RequestException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
