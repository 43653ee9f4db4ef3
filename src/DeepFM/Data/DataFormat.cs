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
