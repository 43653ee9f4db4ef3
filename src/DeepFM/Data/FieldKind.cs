namespace DeepFM.Data;

/// <summary>Whether a field holds categories or numbers.</summary>
public enum FieldKind
{
    /// <summary>A categorical field: each distinct value gets its own id.</summary>
    Categorical = 0,

    /// <summary>A numeric field, encoded according to <see cref="NumericEncoding"/>.</summary>
    Numeric = 1,

    /// <summary>A categorical field of several values per row (<see cref="MultiValuedColumn"/>): each distinct value
    /// gets its own id, and a row's values pool into the field's one embedding.</summary>
    MultiCategorical = 2,
}
