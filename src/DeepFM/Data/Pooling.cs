namespace DeepFM.Data;

/// <summary>How the values of a multi-valued field combine into the field's one embedding.</summary>
public enum Pooling
{
    /// <summary>The mean of the values' embeddings (each entry weighted 1/n; DeepCTR's and FuxiCTR's default).</summary>
    Mean = 0,

    /// <summary>Their sum (each entry weighted 1).</summary>
    Sum = 1,
}
