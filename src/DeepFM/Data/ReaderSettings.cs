namespace DeepFM.Data;

/// <summary>
/// How a raw text file is read: its format and, where the format needs them, the CSV column roles and the libsvm field
/// ranges. A feature map carries the settings of its training data so new files are read as training read them.
/// </summary>
/// <param name="Format">Raw input format.</param>
/// <param name="CsvSchema">CSV column roles (CSV only).</param>
/// <param name="LibsvmFieldMap">libsvm field ranges, or null when libsvm fields are positional.</param>
public sealed record ReaderSettings(DataFormat Format, CsvSchema? CsvSchema = null, LibsvmFieldMap? LibsvmFieldMap = null);
