using DeepFM.Data;
using DeepFM.Evaluation;
using DeepFM.Features;
using DeepFM.Models;
using DeepFM.Serialization;
using DeepFM.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace DeepFM.MLNet;

/// <summary>
/// Trains DeepFM on an <see cref="IDataView"/>: builds the feature map from the training rows' text and numeric
/// columns, trains with the library's <see cref="Trainer"/>, and returns a <see cref="DeepFMTransformer"/>.
/// Create it with <see cref="DeepFMCatalog.DeepFM"/>.
/// </summary>
public sealed class DeepFMEstimator : IEstimator<DeepFMTransformer>
{
    private readonly string _label;
    private readonly string[] _categorical;
    private readonly string[] _numeric;
    private readonly DeepFMTrainerOptions _options;

    internal DeepFMEstimator(string labelColumnName, string[] categorical, string[] numeric, DeepFMTrainerOptions options)
    {
        if (categorical.Length + numeric.Length == 0) throw new ArgumentException("DeepFM needs at least one categorical or numeric column.");
        _label = labelColumnName;
        _categorical = categorical;
        _numeric = numeric;
        _options = options;
    }

    /// <summary>Training history of the last <see cref="Fit"/> (epochs, validation AUC per evaluation, time).</summary>
    public TrainResult? LastTraining { get; private set; }

    /// <inheritdoc />
    public DeepFMTransformer Fit(IDataView input)
    {
        var schema = input.Schema;
        var labelCol = schema.GetColumnOrNull(_label) ?? throw new ArgumentException($"DeepFM: label column '{_label}' not found.");
        if (labelCol.Type != BooleanDataViewType.Instance && labelCol.Type != NumberDataViewType.Single && labelCol.Type != NumberDataViewType.Double)
            throw new ArgumentException($"DeepFM: label column '{_label}' is {labelCol.Type}; it must be Boolean, Single or Double (0/1).");
        foreach (var c in _categorical) ColumnReader.Check(schema, c, numeric: false);
        foreach (var c in _numeric) ColumnReader.Check(schema, c, numeric: true);

        // Rows are read once into memory: the vocabularies must be complete before the first id is assigned.
        var texts = new List<string?[]>();
        var numbers = new List<double[]>();
        var labels = new List<float>();
        using (var cursor = input.GetRowCursor(ColumnReader.Columns(schema, _categorical, _numeric).Append(labelCol).DistinctBy(c => c.Index)))
        {
            var reader = new ColumnReader(cursor, _categorical, _numeric);
            var label = LabelGetter(cursor, labelCol);
            while (cursor.MoveNext())
            {
                var t = new string?[_categorical.Length];
                for (int f = 0; f < t.Length; f++) t[f] = reader.Text(f).ToString();
                var x = new double[_numeric.Length];
                for (int j = 0; j < x.Length; j++) x[j] = reader.Number(j);
                texts.Add(t);
                numbers.Add(x);
                labels.Add(label());
            }
        }
        if (labels.Count == 0) throw new ArgumentException("DeepFM: the training data has no rows.");

        // The library's in-memory path builds the map on the training share, encodes, trains and evaluates.
        var classifier = new Pipeline.CtrClassifier(_categorical, _numeric, _options.Model, _options.Training)
        {
            MinCount = _options.MinCount,
            NumericEncoding = _options.NumericEncoding,
            ValidationFraction = _options.ValidationFraction,
            SplitSeed = _options.SplitSeed,
            LabelColumn = _label,
            DataDescription = "ML.NET IDataView",
        };
        var trained = classifier.Fit(texts, numbers, labels);
        LastTraining = trained.Training;
        return new DeepFMTransformer(trained.Saved, _categorical, _numeric);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        foreach (var c in _categorical.Concat(_numeric).Append(_label))
            if (!inputSchema.Any(x => x.Name == c)) throw new ArgumentException($"DeepFM: input column '{c}' not found.");
        // SchemaShape columns cannot be constructed outside ML.NET, so the three scoring columns are taken from the
        // shape of a schema that holds just them, and appended to the input's columns (same-named ones replaced).
        var added = MLNetInternals.ShapeOf(ScoredDataView.OutputSchema(new DataViewSchema.Builder().ToSchema()));
        var names = added.Select(c => c.Name).ToHashSet();
        return new SchemaShape(inputSchema.Where(c => !names.Contains(c.Name)).Concat(added));
    }

    private static Func<float> LabelGetter(DataViewRow row, DataViewSchema.Column column)
    {
        if (column.Type == BooleanDataViewType.Instance)
        {
            var g = row.GetGetter<bool>(column);
            return () => { bool v = false; g(ref v); return v ? 1f : 0f; };
        }
        if (column.Type == NumberDataViewType.Single)
        {
            var g = row.GetGetter<float>(column);
            return () => { float v = 0; g(ref v); return v > 0.5f ? 1f : 0f; };
        }
        var d = row.GetGetter<double>(column);
        return () => { double v = 0; d(ref v); return v > 0.5 ? 1f : 0f; };
    }
}
