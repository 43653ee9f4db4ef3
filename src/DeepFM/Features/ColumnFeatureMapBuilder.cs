using System.Runtime.InteropServices;
using DeepFM.Data;

namespace DeepFM.Features;

/// <summary>
/// Builds a <see cref="FeatureMap"/> from in-memory rows of named string (categorical) and numeric columns, for hosts
/// that hold their data in memory rather than in files (e.g. the ML.NET integration). Vocabularies follow the same
/// rules as the file pipeline: a value seen fewer than min-count times maps to its field's OOV id, ids go by descending
/// count then ordinal key, and numeric fields are bucketed or scaled by <see cref="NumericEncoding"/>.
/// </summary>
/// <remarks>Fields are ordered categorical columns first, then numeric columns. The map's format is
/// <see cref="DataFormat.Csv"/>, with a schema naming the columns when their names fit the schema syntax, so the same
/// columns in a CSV file encode identically with <c>deepfm predict</c>.</remarks>
public sealed class ColumnFeatureMapBuilder
{
    private readonly string[] _categorical;
    private readonly string[] _numeric;
    private readonly NumericEncoding _encoding;
    private readonly Dictionary<string, int>?[] _counts;

    /// <summary>Starts counting for the given columns.</summary>
    /// <param name="categorical">Names of the categorical (string) columns.</param>
    /// <param name="numeric">Names of the numeric columns.</param>
    /// <param name="encoding">How numeric fields are encoded.</param>
    public ColumnFeatureMapBuilder(IReadOnlyList<string> categorical, IReadOnlyList<string> numeric, NumericEncoding encoding = NumericEncoding.Bucket)
    {
        _categorical = [.. categorical];
        _numeric = [.. numeric];
        if (_categorical.Length + _numeric.Length == 0) throw new ArgumentException("At least one column is needed.");
        if (!Enum.IsDefined(encoding)) throw new ArgumentOutOfRangeException(nameof(encoding));
        _encoding = encoding;
        _counts = new Dictionary<string, int>?[_categorical.Length + _numeric.Length];
        for (int f = 0; f < _counts.Length; f++)
            if (f < _categorical.Length || encoding == NumericEncoding.Bucket) _counts[f] = new Dictionary<string, int>(StringComparer.Ordinal);
    }

    /// <summary>Number of fields of the map being built.</summary>
    public int FieldCount => _counts.Length;

    /// <summary>Counts one training row.</summary>
    /// <param name="categorical">One value per categorical column (null or empty = missing, itself a value).</param>
    /// <param name="numeric">One value per numeric column (NaN = missing).</param>
    public void Add(ReadOnlySpan<string?> categorical, ReadOnlySpan<double> numeric)
    {
        if (categorical.Length != _categorical.Length || numeric.Length != _numeric.Length)
            throw new ArgumentException($"Expected {_categorical.Length} categorical and {_numeric.Length} numeric values.");
        for (int f = 0; f < categorical.Length; f++)
            CollectionsMarshal.GetValueRefOrAddDefault(_counts[f]!, (categorical[f] ?? "").Trim(), out _)++;
        if (_encoding != NumericEncoding.Bucket) return;
        Span<char> buf = stackalloc char[NumericBuckets.MaxKeyLength];
        for (int j = 0; j < numeric.Length; j++)
        {
            int n = NumericBuckets.Format(double.IsNaN(numeric[j]), numeric[j], buf);
            var lookup = _counts[_categorical.Length + j]!.GetAlternateLookup<ReadOnlySpan<char>>();
            CollectionsMarshal.GetValueRefOrAddDefault(lookup, buf[..n], out _)++;
        }
    }

    /// <summary>Builds the map, keeping values seen at least <paramref name="minCount"/> times.</summary>
    /// <param name="minCount">Minimum count of a value to get its own id (at least 1).</param>
    /// <param name="labelColumn">Name of the label column, recorded in the map's CSV schema.</param>
    public FeatureMap Build(int minCount = 1, string labelColumn = "label")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minCount, 1);
        var names = _categorical.Concat(_numeric).ToArray();
        var fields = new FeatureField[names.Length];
        long offset = 0;
        for (int f = 0; f < names.Length; f++)
        {
            string[]? keys = _counts[f]?.Where(kv => kv.Value >= minCount)
                .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => kv.Key).ToArray();
            int size = (keys?.Length ?? 0) + 1;
            if (offset + size > int.MaxValue) throw new UserInputException("Too many distinct values for 32-bit ids; raise min-count.");
            var kind = f < _categorical.Length ? FieldKind.Categorical : FieldKind.Numeric;
            fields[f] = new FeatureField(names[f], kind, (int)offset, size, minCount, keys);
            offset += size;
        }
        // The schema string is reparsed when the map is read back, so it is only recorded when no name breaks its syntax.
        bool plain = names.Append(labelColumn).All(n => n.Length > 0 && n.IndexOfAny([',', ';', '=', '*']) < 0 && n.Trim() == n);
        var schema = plain ? new CsvSchema(labelColumn, _categorical, _numeric) : null;
        return new FeatureMap(new ReaderSettings(DataFormat.Csv, schema), _encoding, fields);
    }
}
