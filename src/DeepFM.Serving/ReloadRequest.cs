namespace DeepFM.Serving;

/// <summary>The optional JSON body of <c>POST /v1/reload</c>, for the OpenAPI document.</summary>
public sealed class ReloadRequest
{
    /// <summary>Model file to load, inside the model directory (relative paths are taken there); absent or null:
    /// the served file again.</summary>
    public string? Path { get; init; }
}
