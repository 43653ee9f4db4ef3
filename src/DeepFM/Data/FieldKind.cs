namespace DeepFM.Data;

/// <summary>Whether a field holds categories or numbers.</summary>
public enum FieldKind
{
    /// <summary>A categorical field: each distinct value gets its own id.</summary>
    Categorical = 0,

    /// <summary>A numeric field, encoded according to <see cref="NumericEncoding"/>.</summary>
    Numeric = 1,
}
