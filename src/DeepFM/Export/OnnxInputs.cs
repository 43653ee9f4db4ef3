namespace DeepFM.Export;

/// <summary>Which inputs an exported graph takes.</summary>
public enum OnnxInputs
{
    /// <summary><c>ids</c> int64 <c>[N, m]</c> and <c>values</c> float <c>[N, m]</c>, encoded by the model's feature map.</summary>
    Ids,

    /// <summary>One <c>[N, 1]</c> input per field, named after it: string for categorical fields, double for numeric
    /// ones (NaN = missing). The feature map's encoding is part of the graph.</summary>
    Raw,
}
