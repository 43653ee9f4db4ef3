using DeepFM.Data;
using DeepFM.Evaluation;
using DeepFM.Features;
using DeepFM.Models;
using DeepFM.Serialization;
using DeepFM.Training;

namespace DeepFM.Pipeline;

/// <summary>
/// The in-memory path, no files: name the categorical and numeric columns, <see cref="Fit"/> on rows held as arrays,
/// <see cref="PredictProba"/>, <see cref="Save"/> and <see cref="Load"/>. The feature map is built on the training
/// share of the rows (a random <see cref="ValidationFraction"/> is held out for early stopping, as the tool does).
/// </summary>
/// <example>
/// <code>
/// var clf = new CtrClassifier(categorical: ["user", "item"], numeric: ["age"]);
/// clf.Fit(cats, nums, labels);                 // string?[] and double[] per row, labels 0/1
/// float[] p = clf.PredictProba(newCats, newNums);
/// clf.Save("m.dfm");                           // also readable by deepfm predict/serve/export
/// </code>
/// </example>
public sealed class CtrClassifier
{
    private readonly string[] _categorical, _numeric;

    /// <summary>A classifier over the named columns (categorical first, then numeric, in model field order).</summary>
    public CtrClassifier(IReadOnlyList<string> categorical, IReadOnlyList<string> numeric, ModelConfig? model = null, TrainOptions? training = null)
    {
        ArgumentNullException.ThrowIfNull(categorical);
        ArgumentNullException.ThrowIfNull(numeric);
        if (categorical.Count + numeric.Count == 0) throw new ArgumentException("At least one categorical or numeric column is needed.");
        _categorical = [.. categorical];
        _numeric = [.. numeric];
        Model = model ?? new ModelConfig();
        Training = training ?? new TrainOptions();
    }

    /// <summary>The model to build (DeepFM at the library's defaults unless given).</summary>
    public ModelConfig Model { get; init; }

    /// <summary>Training settings (the library's defaults unless given).</summary>
    public TrainOptions Training { get; init; }

    /// <summary>Values seen fewer times on the training rows map to their field's OOV id.</summary>
    public int MinCount { get; init; } = 1;

    /// <summary>How numeric columns are encoded.</summary>
    public NumericEncoding NumericEncoding { get; init; } = NumericEncoding.Bucket;

    /// <summary>Share of the rows held out for validation (0: none, all epochs run).</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Seed of the validation split.</summary>
    public long SplitSeed { get; init; } = new SplitOptions().Seed;

    /// <summary>The label column's name, as the model's reader settings record it (for reading CSV files later).</summary>
    public string LabelColumn { get; init; } = "label";

    /// <summary>What the model's metadata names as its training data.</summary>
    public string DataDescription { get; init; } = "in-memory rows";

    /// <summary>The trained model with its feature map, after <see cref="Fit"/> or <see cref="Load"/>.</summary>
    public SavedModel? Saved { get; private set; }

    /// <summary>
    /// Trains on <paramref name="categorical"/> (per row, one value per categorical column; null or empty = missing),
    /// <paramref name="numeric"/> (per row, one number per numeric column; NaN = missing) and <paramref name="labels"/>
    /// (0 or 1), validating on the held-out share; returns the model and its training history and metrics.
    /// </summary>
    /// <exception cref="ArgumentException">The arrays disagree in length or width.</exception>
    public TrainedModel Fit(IReadOnlyList<string?[]> categorical, IReadOnlyList<double[]> numeric, IReadOnlyList<float> labels, CancellationToken cancel = default)
    {
        int n = Check(categorical, numeric);
        if (labels.Count != n) throw new ArgumentException($"{labels.Count} labels for {n} rows.", nameof(labels));
        if (n == 0) throw new UserInputException("The training data has no rows.");
        var split = new SplitOptions { ValidFraction = ValidationFraction, Seed = SplitSeed };
        split.Validate();
        var tags = new SplitTag[n];
        var builder = new ColumnFeatureMapBuilder(_categorical, _numeric, NumericEncoding);
        for (int i = 0; i < n; i++)
        {
            tags[i] = split.Assign(i);
            if (tags[i] == SplitTag.Train) builder.Add(Row(categorical, i), Row(numeric, i));
        }
        var map = builder.Build(MinCount, LabelColumn);
        var train = Encode(map, categorical, numeric, labels, i => tags[i] == SplitTag.Train);
        var valid = Encode(map, categorical, numeric, labels, i => tags[i] != SplitTag.Train);
        IRowSet? validRows = valid.Count > 0 ? valid : null;

        var training = Training.ResolveFor(Model.Model);
        var space = new FeatureSpace(map.FieldCount, map.FeatureCount);
        ModelSize.Validate(Model, space, training.BatchSize);
        var model = ModelRegistry.Create(Model, space);
        var result = new Trainer(training).Fit(model, train, validRows, observer: null, cancel);
        EvalResult? v = validRows is null ? null : Predictor.Evaluate(model, validRows);
        var metadata = new ModelMetadata
        {
            TrainData = DataDescription,
            TrainRows = train.Count,
            Epochs = result.Epochs,
            ValidAuc = v?.Auc ?? double.NaN,
            ValidLogloss = v?.Logloss ?? double.NaN,
            TrainOptions = training.ToString(),
        };
        Saved = new SavedModel(model, map, metadata);
        return new TrainedModel(Saved, result, v, null);
    }

    /// <summary>As <see cref="Fit"/>, taking records and the functions that read their columns and label.</summary>
    public TrainedModel Fit<TRow>(IEnumerable<TRow> rows, Func<TRow, string?[]> categorical, Func<TRow, double[]> numeric, Func<TRow, bool> label,
        CancellationToken cancel = default)
    {
        var list = rows.ToList();
        return Fit([.. list.Select(categorical)], [.. list.Select(numeric)], [.. list.Select(r => label(r) ? 1f : 0f)], cancel);
    }

    /// <summary>Click probabilities of rows given as in <see cref="Fit"/> (unseen values score as their field's OOV).</summary>
    /// <exception cref="InvalidOperationException">Neither <see cref="Fit"/> nor <see cref="Load"/> has run.</exception>
    public float[] PredictProba(IReadOnlyList<string?[]> categorical, IReadOnlyList<double[]> numeric)
    {
        var saved = Saved ?? throw new InvalidOperationException("Fit or Load the classifier before predicting.");
        int n = Check(categorical, numeric);
        var rows = Encode(saved.FeatureMap, categorical, numeric, null, _ => true);
        return n == 0 ? [] : Predictor.Predict(saved.Model, rows);
    }

    /// <summary>Saves the model file (the same format the tool reads: <c>deepfm predict --model</c>, serve, export).</summary>
    public void Save(string path) => ModelFile.Save(path, Saved ?? throw new InvalidOperationException("Fit the classifier before saving it."));

    /// <summary>Loads a model file written by <see cref="Save"/> (or by <c>deepfm train</c> on CSV data whose columns
    /// were categorical first, then numeric).</summary>
    public static CtrClassifier Load(string path)
    {
        var saved = ModelFile.Load(path);
        var fields = saved.FeatureMap.Fields;
        var categorical = fields.TakeWhile(f => f.Kind == FieldKind.Categorical).Select(f => f.Name).ToArray();
        var numeric = fields.Skip(categorical.Length).Select(f => f.Kind == FieldKind.Numeric ? f.Name
            : throw new UserInputException($"{path}: field {f.Name} ({f.Kind}) comes after the numeric fields; the in-memory classifier takes categorical columns first, then numeric ones.")).ToArray();
        return new CtrClassifier(categorical, numeric, saved.Model.Config) { Saved = saved };
    }

    private int Check(IReadOnlyList<string?[]> categorical, IReadOnlyList<double[]> numeric)
    {
        ArgumentNullException.ThrowIfNull(categorical);
        ArgumentNullException.ThrowIfNull(numeric);
        int n = Math.Max(categorical.Count, numeric.Count);
        if (_categorical.Length > 0 && categorical.Count != n || _numeric.Length > 0 && numeric.Count != n)
            throw new ArgumentException($"{categorical.Count} categorical rows and {numeric.Count} numeric rows: one of each per row.");
        for (int i = 0; i < n; i++)
        {
            if (_categorical.Length > 0 && categorical[i]?.Length != _categorical.Length)
                throw new ArgumentException($"Row {i}: {categorical[i]?.Length ?? 0} categorical values for {_categorical.Length} columns ({string.Join(", ", _categorical)}).");
            if (_numeric.Length > 0 && numeric[i]?.Length != _numeric.Length)
                throw new ArgumentException($"Row {i}: {numeric[i]?.Length ?? 0} numbers for {_numeric.Length} numeric columns ({string.Join(", ", _numeric)}).");
        }
        return n;
    }

    private string?[] Row(IReadOnlyList<string?[]> categorical, int i) => _categorical.Length == 0 ? [] : categorical[i];

    private double[] Row(IReadOnlyList<double[]> numeric, int i) => _numeric.Length == 0 ? [] : numeric[i];

    /// <summary>The rows <paramref name="take"/> selects, encoded with <paramref name="map"/>.</summary>
    private InMemoryRowSet Encode(FeatureMap map, IReadOnlyList<string?[]> categorical, IReadOnlyList<double[]> numeric, IReadOnlyList<float>? labels,
        Func<int, bool> take)
    {
        int m = map.FieldCount, c = _categorical.Length, n = Math.Max(categorical.Count, numeric.Count);
        var ids = new List<int>();
        var values = new List<float>();
        var y = new List<float>();
        var rowIds = new int[m];
        var rowValues = new float[m];
        for (int i = 0; i < n; i++)
        {
            if (!take(i)) continue;
            for (int f = 0; f < c; f++) map.TryEncodeField(f, categorical[i][f], out rowIds[f], out rowValues[f]);
            for (int j = 0; j < _numeric.Length; j++) map.EncodeNumber(c + j, numeric[i][j], out rowIds[c + j], out rowValues[c + j]);
            ids.AddRange(rowIds);
            values.AddRange(rowValues);
            y.Add(labels is null ? 0 : labels[i] > 0.5f ? 1 : 0);
        }
        return new InMemoryRowSet(m, [.. ids], [.. values], [.. y]);
    }
}
