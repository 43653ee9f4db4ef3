using Microsoft.ML;
using Microsoft.ML.Data;

namespace DeepFM.MLNet;

/// <summary>Typed access to the feature columns of a row: text for categorical columns, Single or Double for numeric ones.</summary>
internal sealed class ColumnReader
{
    private readonly ValueGetter<ReadOnlyMemory<char>>[] _text;
    private readonly Func<double>[] _numbers;
    private ReadOnlyMemory<char> _buffer;

    public ColumnReader(DataViewRow row, IReadOnlyList<string> categorical, IReadOnlyList<string> numeric)
    {
        _text = [.. categorical.Select(c => row.GetGetter<ReadOnlyMemory<char>>(row.Schema[c]))];
        _numbers = [.. numeric.Select(c => NumberGetter(row, row.Schema[c]))];
    }

    /// <summary>The input columns a cursor must make active to read the features.</summary>
    public static IEnumerable<DataViewSchema.Column> Columns(DataViewSchema schema, IReadOnlyList<string> categorical, IReadOnlyList<string> numeric) =>
        categorical.Concat(numeric).Select(c => schema[c]);

    public ReadOnlySpan<char> Text(int column)
    {
        _text[column](ref _buffer);
        return _buffer.Span;
    }

    public double Number(int column) => _numbers[column]();

    private static Func<double> NumberGetter(DataViewRow row, DataViewSchema.Column column)
    {
        if (column.Type == NumberDataViewType.Single)
        {
            var g = row.GetGetter<float>(column);
            return () => { float v = 0; g(ref v); return v; };
        }
        var d = row.GetGetter<double>(column);
        return () => { double v = 0; d(ref v); return v; };
    }

    /// <summary>Throws a clear error when a feature column is missing or of a type the model does not read.</summary>
    public static void Check(DataViewSchema schema, string name, bool numeric)
    {
        var column = schema.GetColumnOrNull(name) ?? throw new ArgumentException($"DeepFM: input column '{name}' not found.");
        bool ok = numeric ? column.Type == NumberDataViewType.Single || column.Type == NumberDataViewType.Double : column.Type is TextDataViewType;
        if (!ok)
            throw new ArgumentException($"DeepFM: column '{name}' is {column.Type}; {(numeric ? "numeric columns must be Single or Double" : "categorical columns must be text (convert keys or numbers with MapKeyToValue / ConvertType first)")}.");
    }
}
