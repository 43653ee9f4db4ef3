namespace DeepFM.Data;

/// <summary>The text formats the data pipeline reads.</summary>
public enum DataFormat
{
    /// <summary>Criteo Kaggle TSV: label, I1–I13 integers, C1–C26 hashed categories; empty = missing.</summary>
    Criteo = 0,

    /// <summary>libsvm / libfm: <c>label idx:val idx:val …</c>, one feature per field.</summary>
    Libsvm = 1,

    /// <summary>Delimited text with a header row, read through a <see cref="CsvSchema"/>.</summary>
    Csv = 2,
}

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

/// <summary>Whether a field holds categories or numbers.</summary>
public enum FieldKind
{
    /// <summary>A categorical field: each distinct value gets its own id.</summary>
    Categorical = 0,

    /// <summary>A numeric field, encoded according to <see cref="NumericEncoding"/>.</summary>
    Numeric = 1,
}

/// <summary>Which split a prepared row belongs to.</summary>
public enum SplitTag : byte
{
    /// <summary>Training row; only these feed the vocabularies.</summary>
    Train = 0,

    /// <summary>Validation row.</summary>
    Valid = 1,

    /// <summary>Test row.</summary>
    Test = 2,
}
