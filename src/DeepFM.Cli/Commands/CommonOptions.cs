using System.CommandLine;
using System.Globalization;
using DeepFM.Data;
using DeepFM.Layers;
using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Cli.Commands;

/// <summary>Options describing how raw input is read, shared by train, prepare and compare.</summary>
internal sealed class DataOptionSet
{
    public Option<string?> Format { get; } = new("--format") { Description = "Input format: criteo, libsvm (also libfm) or csv. Default: from the file extension (.libsvm/.libfm/.svm, .csv), else criteo." };
    public Option<int?> MinCount { get; } = new("--min-count") { Description = "Values seen fewer times in the training rows map to their field's out-of-vocabulary id (default 10 for criteo, 1 otherwise)." };
    public Option<string> Numeric { get; } = new("--numeric") { Description = "Numeric fields: bucket (Criteo log-squared buckets as categories), value (the value scales the field's embedding, as in the paper), log-value.", DefaultValueFactory = _ => "bucket" };
    public Option<string?> Schema { get; } = new("--schema") { Description = "CSV column roles, e.g. \"label=label;cat=C1,C2;num=I1,I2\" (cat=* takes every other column)." };
    public Option<string?> FieldMap { get; } = new("--field-map") { Description = "libsvm fields as id ranges, e.g. \"user:0-956,item:957-5038\"; default: by position." };
    public Option<bool> SkipBadLines { get; } = new("--skip-bad-lines") { Description = "Skip and count malformed lines instead of stopping at the first." };
    public Option<string?> CacheDir { get; } = new("--cache-dir") { Description = "Folder for prepared-data caches (default ~/.cache/deepfm)." };

    public void AddTo(Command command)
    {
        command.Options.Add(Format);
        command.Options.Add(MinCount);
        command.Options.Add(Numeric);
        command.Options.Add(Schema);
        command.Options.Add(FieldMap);
        command.Options.Add(SkipBadLines);
        command.Options.Add(CacheDir);
    }

    public DataOptions Bind(ParseResult r, string dataPath)
    {
        var format = ParseFormat(r.GetValue(Format), dataPath);
        string numeric = r.GetValue(Numeric) ?? "bucket";
        var encoding = numeric.ToLowerInvariant() switch
        {
            "bucket" => NumericEncoding.Bucket,
            "value" => NumericEncoding.Value,
            "log-value" or "logvalue" => NumericEncoding.LogValue,
            _ => throw new UserInputException($"--numeric must be bucket, value or log-value, not '{numeric}'."),
        };
        string? schema = r.GetValue(Schema);
        string? fieldMap = r.GetValue(FieldMap);
        if (format == DataFormat.Csv && schema is null)
            throw new UserInputException("CSV input needs --schema, e.g. --schema \"label=label;cat=*;num=I1,I2\".");
        var options = new DataOptions
        {
            Format = format,
            MinCount = r.GetValue(MinCount) ?? DataOptions.DefaultMinCount(format),
            NumericEncoding = encoding,
            CsvSchema = schema is null ? null : CsvSchema.Parse(schema),
            LibsvmFieldMap = fieldMap is null ? null : LibsvmFieldMap.Parse(fieldMap),
            SkipBadLines = r.GetValue(SkipBadLines),
        };
        options.Validate();
        return options;
    }

    public static DataFormat ParseFormat(string? name, string path)
    {
        if (name is null)
        {
            string ext = Path.GetExtension(path).ToLowerInvariant();
            return ext switch
            {
                ".libsvm" or ".libfm" or ".svm" => DataFormat.Libsvm,
                ".csv" => DataFormat.Csv,
                _ => DataFormat.Criteo,
            };
        }
        return name.ToLowerInvariant() switch
        {
            "criteo" or "tsv" => DataFormat.Criteo,
            "libsvm" or "libfm" => DataFormat.Libsvm,
            "csv" => DataFormat.Csv,
            _ => throw new UserInputException($"--format must be criteo, libsvm or csv, not '{name}'."),
        };
    }
}

/// <summary>Model and training-loop options shared by train, compare and study.</summary>
internal sealed class ModelOptionSet
{
    public Option<string> Model { get; } = new("--model") { Description = "Model: " + string.Join(", ", ModelRegistry.Names) + ".", DefaultValueFactory = _ => "deepfm" };
    public Option<int> Epochs { get; } = new("--epochs") { Description = "Most epochs (early stopping on validation AUC usually ends sooner).", DefaultValueFactory = _ => 100 };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Rows per mini-batch.", DefaultValueFactory = _ => 4096 };
    public Option<int> EmbeddingSize { get; } = new("--embedding-size") { Description = "Embedding size k.", DefaultValueFactory = _ => 10 };
    public Option<string> Hidden { get; } = new("--hidden") { Description = "Hidden layer widths of the deep component, e.g. 400,400,400.", DefaultValueFactory = _ => "400,400,400" };
    public Option<float?> Dropout { get; } = new("--dropout") { Description = "DROP rate after each hidden layer (default 0.1; the paper's 'dropout' is the keep probability: its 0.9 is --dropout 0.1)." };
    public Option<string> Activation { get; } = new("--activation") { Description = "Hidden activation: relu, tanh, sigmoid.", DefaultValueFactory = _ => "relu" };
    public Option<bool?> BatchNorm { get; } = new("--batch-norm") { Description = "Batch normalisation after each hidden layer (true/false)." };
    public Option<string?> Optimizer { get; } = new("--optimizer") { Description = "adam, adagrad, sgd or ftrl (default: ftrl for lr, adam otherwise)." };
    public Option<float?> LearningRate { get; } = new("--lr") { Description = "Learning rate (default 1e-3 for adam, 0.2 for ftrl, 0.01 otherwise)." };
    public Option<float?> L2 { get; } = new("--l2") { Description = "L2 on dense weights." };
    public Option<float?> L2Embedding { get; } = new("--l2-embedding") { Description = "L2 on the embedding rows of each batch (default 0.1 for deep models, 0 for lr and fm)." };
    public Option<string> EmbeddingUpdateMode { get; } = new("--embedding-update") { Description = "Embedding updates: auto (dense for tables up to 1M numbers, lazy above), lazy (only rows in the batch), dense (every row every step; L2 then acts on the whole table).", DefaultValueFactory = _ => "auto" };
    public Option<float?> EmbeddingInitStd { get; } = new("--embedding-init-std") { Description = "Standard deviation of the normal initialisation of embedding tables (default 0.01)." };
    public Option<long> Seed { get; } = new("--seed") { Description = "Seed of initialisation, dropout, shuffling and the random split.", DefaultValueFactory = _ => 2017 };
    public Option<int> Patience { get; } = new("--patience") { Description = "Validations without AUC improvement before stopping.", DefaultValueFactory = _ => 2 };
    public Option<int> EvalEvery { get; } = new("--eval-every") { Description = "Validate every N steps (0: every epoch).", DefaultValueFactory = _ => 0 };
    public Option<float> LrDecay { get; } = new("--lr-decay") { Description = "Learning-rate factor after a validation without improvement (1 = off).", DefaultValueFactory = _ => 0.1f };
    public Option<double?> MinDelta { get; } = new("--min-delta") { Description = "Smallest rise of validation AUC that counts as an improvement for early stopping and plateau decay (default 1e-4)." };
    public Option<float> ClipNorm { get; } = new("--clip-norm") { Description = "Global gradient-norm clip (0 = off).", DefaultValueFactory = _ => 10f };

    public void AddTo(Command command, bool includeModel = true)
    {
        if (includeModel) command.Options.Add(Model);
        foreach (var o in new Option[] { Epochs, BatchSize, EmbeddingSize, EmbeddingUpdateMode, EmbeddingInitStd, Hidden, Dropout, Activation, BatchNorm, Optimizer, LearningRate, L2, L2Embedding, Seed, Patience, EvalEvery, LrDecay, MinDelta, ClipNorm })
            command.Options.Add(o);
    }

    public ModelConfig BindModel(ParseResult r, string model)
    {
        string activation = r.GetValue(Activation) ?? "relu";
        var act = activation.ToLowerInvariant() switch
        {
            "relu" => ActivationKind.Relu,
            "tanh" => ActivationKind.Tanh,
            "sigmoid" => ActivationKind.Sigmoid,
            _ => throw new UserInputException($"--activation must be relu, tanh or sigmoid, not '{activation}'."),
        };
        int k = r.GetValue(EmbeddingSize);
        if (k < 1) throw new UserInputException("--embedding-size must be at least 1.");
        float dropout = r.GetValue(Dropout) ?? Defaults.Dropout;
        if (dropout is < 0 or >= 1) throw new UserInputException($"--dropout is a drop rate in [0, 1), got {dropout}.");
        if (!ModelRegistry.Contains(model)) throw new UserInputException($"Unknown model '{model}'. Known: {string.Join(", ", ModelRegistry.Names)}.");
        return new ModelConfig
        {
            Model = ModelRegistry.Canonical(model),
            EmbeddingSize = k,
            Hidden = ParseHidden(r.GetValue(Hidden) ?? "400,400,400"),
            Activation = act,
            Dropout = dropout,
            BatchNorm = r.GetValue(BatchNorm) ?? Defaults.BatchNorm,
            L2 = r.GetValue(L2) ?? Defaults.L2,
            L2Embedding = r.GetValue(L2Embedding) ?? Defaults.L2EmbeddingFor(model),
            Seed = r.GetValue(Seed),
            EmbeddingInitStd = r.GetValue(EmbeddingInitStd) ?? 0.01f,
            EmbeddingUpdate = (r.GetValue(EmbeddingUpdateMode) ?? "auto").ToLowerInvariant() switch
            {
                "auto" => EmbeddingUpdate.Auto,
                "lazy" => EmbeddingUpdate.Lazy,
                "dense" => EmbeddingUpdate.Dense,
                var other => throw new UserInputException($"--embedding-update must be auto, lazy or dense, not '{other}'."),
            },
        };
    }

    public TrainOptions BindTraining(ParseResult r, string model)
    {
        string optimizer = (r.GetValue(Optimizer) ?? (string.Equals(model, "lr", StringComparison.OrdinalIgnoreCase) ? "ftrl" : "adam")).ToLowerInvariant();
        if (optimizer is not ("adam" or "adagrad" or "sgd" or "ftrl")) throw new UserInputException($"--optimizer must be adam, adagrad, sgd or ftrl, not '{optimizer}'.");
        float lr = r.GetValue(LearningRate) ?? optimizer switch { "adam" => 1e-3f, "ftrl" => 0.2f, _ => 0.01f };
        return new TrainOptions
        {
            Epochs = r.GetValue(Epochs),
            BatchSize = r.GetValue(BatchSize),
            Optimizer = optimizer,
            LearningRate = lr,
            Seed = r.GetValue(Seed),
            Patience = r.GetValue(Patience),
            EvalEverySteps = r.GetValue(EvalEvery),
            LrDecayOnPlateau = r.GetValue(LrDecay),
            ClipNorm = r.GetValue(ClipNorm),
            MinImprovement = r.GetValue(MinDelta) ?? Defaults.MinDelta,
        };
    }

    public static int[] ParseHidden(string text)
    {
        if (text.Trim() is "" or "none" or "0") return [];
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
                throw new UserInputException($"--hidden: '{parts[i]}' is not a positive layer width (expected e.g. 400,400,400).");
        return widths;
    }
}

/// <summary>Defaults of the regularisation settings, chosen on validation data (see docs/results.md).</summary>
internal static class Defaults
{
    // Drop rate 0.1 (the paper's keep 0.9): Frappe validation AUC for DeepFM 0.98616 at 0.1, 0.98588 at 0.2, 0.98480 at
    // 0.3, with embedding L2 0.1 (docs/results.md).
    public const float Dropout = 0.1f;
    public const bool BatchNorm = true;
    public const float L2 = 0f;
    // Chosen on Frappe validation (docs/results.md): 1e-6 let DeepFM creep on for 0.00005 AUC while validation
    // logloss rose from 0.148 to 0.154; 1e-4 stops at the same AUC with the better logloss.
    public const double MinDelta = 1e-4;

    /// <summary>Deep models overfit their embeddings quickly (Frappe: train loss 0.06 while validation logloss rises),
    /// so they get a strong L2 on the embedding table: 0.1, chosen on Frappe validation AUC among 0.02, 0.05, 0.1 and 0.2
    /// (docs/results.md); LR and FM, with far fewer parameters per feature, train best without it.</summary>
    public static float L2EmbeddingFor(string model) =>
        string.Equals(model, "lr", StringComparison.OrdinalIgnoreCase) || string.Equals(model, "fm", StringComparison.OrdinalIgnoreCase) ? 0f : 0.1f;
}
