namespace DeepFM.Serving;

/// <summary>The answer of <c>POST /v1/predict</c>, for the OpenAPI document.</summary>
public sealed class PredictResponse
{
    /// <summary>Click probability of each row, in request order.</summary>
    public required IReadOnlyList<float> Probabilities { get; init; }
}
