using DeepFM.Data;
using DeepFM.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace DeepFM.MLNet;

/// <summary>
/// A trained DeepFM model as an ML.NET transformer: adds <c>Score</c> (the logit), <c>Probability</c> and
/// <c>PredictedLabel</c> (probability &gt; 0.5) to its input, so <c>mlContext.BinaryClassification.Evaluate</c> works on
/// the output. Saves into the ML.NET model zip; before <c>mlContext.Model.Load</c> in another <see cref="MLContext"/>,
/// call <see cref="DeepFMCatalog.RegisterDeepFM"/> on it (as ML.NET asks custom mappings to register their assembly).
/// </summary>
public sealed class DeepFMTransformer : ITransformer
{
    /// <summary>Loader name written into the model zip.</summary>
    internal const string LoaderSignature = "DeepFMTransformer";
    private const string StreamName = "DeepFM.bin";
    private const int FormatVersion = 1;

    internal DeepFMTransformer(SavedModel saved, string[] categoricalColumns, string[] numericColumns)
    {
        saved.RequireSingleValuedFields("The ML.NET transformer");
        Model = saved;
        CategoricalColumns = categoricalColumns;
        NumericColumns = numericColumns;
    }

    /// <summary>The DeepFM model with its feature map (save it with <see cref="ModelFile"/> to use it with the <c>deepfm</c> tool).</summary>
    public SavedModel Model { get; }

    /// <summary>Input text columns, in field order.</summary>
    public IReadOnlyList<string> CategoricalColumns { get; }

    /// <summary>Input numeric columns, in field order after the categorical ones.</summary>
    public IReadOnlyList<string> NumericColumns { get; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        CheckInput(inputSchema);
        return ScoredDataView.OutputSchema(inputSchema);
    }

    /// <summary>The row-to-row mapper behind <c>mlContext.Model.CreatePredictionEngine</c>: one row scored at a time
    /// (a batch of rows scores faster through <see cref="Transform"/>, in blocks).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new DeepFMRowMapper(this, inputSchema);

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        CheckInput(input.Schema);
        return new ScoredDataView(this, input);
    }

    internal void CheckInput(DataViewSchema schema)
    {
        foreach (var c in CategoricalColumns) ColumnReader.Check(schema, c, numeric: false);
        foreach (var c in NumericColumns) ColumnReader.Check(schema, c, numeric: true);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        MLNetInternals.SaveBinary(ctx, StreamName, w =>
        {
            w.Write(FormatVersion);
            w.Write(CategoricalColumns.Count);
            foreach (var c in CategoricalColumns) w.Write(c);
            w.Write(NumericColumns.Count);
            foreach (var c in NumericColumns) w.Write(c);
            // Length-prefixed so the reader stops exactly at the end of the model's bytes.
            var bytes = new MemoryStream();
            ModelFile.Save(bytes, Model);
            w.Write(bytes.Length);
            w.Write(bytes.GetBuffer(), 0, (int)bytes.Length);
        });

    /// <summary>The loader ML.NET's component catalog calls for <see cref="LoaderSignature"/>.</summary>
    /// <param name="env">ML.NET host environment (unused).</param>
    /// <param name="ctx">ML.NET's <c>ModelLoadContext</c>.</param>
    internal static DeepFMTransformer CreateFromModelContext(Microsoft.ML.Runtime.IHostEnvironment env, object ctx)
    {
        DeepFMTransformer? result = null;
        MLNetInternals.LoadBinary(ctx, StreamName, r =>
        {
            int version = r.ReadInt32();
            if (version != FormatVersion) throw new InvalidDataException($"DeepFM.MLNet: transformer format {version} is not supported (this version reads {FormatVersion}).");
            var cats = new string[r.ReadInt32()];
            for (int i = 0; i < cats.Length; i++) cats[i] = r.ReadString();
            var nums = new string[r.ReadInt32()];
            for (int i = 0; i < nums.Length; i++) nums[i] = r.ReadString();
            long length = r.ReadInt64();
            var saved = ModelFile.Load(new MemoryStream(r.ReadBytes(checked((int)length))));
            result = new DeepFMTransformer(saved, cats, nums);
        });
        return result!;
    }
}
