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
        var builder = new ColumnFeatureMapBuilder(_categorical, _numeric, _options.NumericEncoding);
        var split = new SplitOptions { ValidFraction = _options.ValidationFraction, Seed = _options.SplitSeed };
        split.Validate();
        var tags = new List<SplitTag>();
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
                var tag = split.Assign(labels.Count);
                if (tag == SplitTag.Train) builder.Add(t, x);
                texts.Add(t);
                numbers.Add(x);
                labels.Add(label());
                tags.Add(tag);
            }
        }
        if (labels.Count == 0) throw new ArgumentException("DeepFM: the training data has no rows.");

        var map = builder.Build(_options.MinCount, _label);
        int m = map.FieldCount;
        var sets = new[] { new RowsBuilder(m), new RowsBuilder(m) };
        var ids = new int[m];
        var values = new float[m];
        for (int i = 0; i < labels.Count; i++)
        {
            for (int f = 0; f < _categorical.Length; f++) map.TryEncodeField(f, texts[i][f], out ids[f], out values[f]);
            for (int j = 0; j < _numeric.Length; j++) map.EncodeNumber(_categorical.Length + j, numbers[i][j], out ids[_categorical.Length + j], out values[_categorical.Length + j]);
            sets[tags[i] == SplitTag.Train ? 0 : 1].Add(ids, values, labels[i]);
        }
        var train = sets[0].Build();
        var valid = sets[1].Count > 0 ? sets[1].Build() : null;

        var model = ModelRegistry.Create(_options.Model, new FeatureSpace(map.FieldCount, map.FeatureCount));
        var training = _options.Training.ResolveFor(_options.Model.Model);   // the metadata records what was used
        var result = new Trainer(training).Fit(model, train, valid);
        LastTraining = result;
        EvalResult? v = valid is null ? null : Predictor.Evaluate(model, valid);
        var metadata = new ModelMetadata
        {
            TrainData = "ML.NET IDataView",
            TrainRows = train.Count,
            Epochs = result.Epochs,
            ValidAuc = v?.Auc ?? double.NaN,
            ValidLogloss = v?.Logloss ?? double.NaN,
            TrainOptions = training.ToString(),
        };
        return new DeepFMTransformer(new SavedModel(model, map, metadata), _categorical, _numeric);
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

    private sealed class RowsBuilder(int fieldCount)
    {
        private readonly List<int> _ids = [];
        private readonly List<float> _values = [];
        private readonly List<float> _labels = [];

        public int Count => _labels.Count;

        public void Add(int[] ids, float[] values, float label)
        {
            _ids.AddRange(ids);
            _values.AddRange(values);
            _labels.Add(label);
        }

        public InMemoryRowSet Build() => new(fieldCount, [.. _ids], [.. _values], [.. _labels]);
    }
}
