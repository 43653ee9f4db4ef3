using System.CommandLine;
using DeepFM.Data;

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
