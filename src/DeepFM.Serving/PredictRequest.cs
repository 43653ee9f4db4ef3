using System.Text.Json;

namespace DeepFM.Serving;

/// <summary>The JSON body of <c>POST /v1/predict</c>, for the OpenAPI document (the service parses bodies itself,
/// with the training encoder's rules).</summary>
public sealed class PredictRequest
{
    /// <summary>Rows to score: the model's field names (<c>GET /v1/model</c>) to values. Categorical fields take a
    /// string, numeric fields a number; null or an absent key is a missing value.</summary>
    public required IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> Rows { get; init; }
}
