namespace DeepFM.Data;

/// <summary>How a numeric field becomes model input.</summary>
public enum NumericEncoding
{
    /// <summary>Criteo log-squared bucketing: missing is its own bucket, <c>x &gt; 2 → ⌊ln(x)²⌋</c>, otherwise <c>x</c>
    /// itself; the bucket is then a categorical value (same min-count and OOV rule).</summary>
    Bucket = 0,

    /// <summary>The paper's "value itself": one embedding row for the field, scaled by <c>x</c> (missing → 0).</summary>
    Value = 1,

    /// <summary>Like <see cref="Value"/> with <c>sign(x)·ln(1+|x|)</c> as the scale (missing → 0).</summary>
    LogValue = 2,
}
