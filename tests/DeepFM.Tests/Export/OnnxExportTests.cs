using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Export;
using DeepFM.Layers;
using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Tests.Export;

public class OnnxExportTests
{
    private const int Fields = 5;
    private const int Features = 40;
    private const int Rows = 3000;

    public static TheoryData<string, bool> AllModels()
    {
        var data = new TheoryData<string, bool>();
        foreach (string name in ModelRegistry.Names)
        {
            data.Add(name, false);
            data.Add(name, true);
        }
        return data;
    }

    /// <summary>A tiny model of the zoo with every parameter (batch-norm running statistics included) randomised, so
    /// that no term of the graph can hide behind an initial zero or one. k = 3 is odd, so the outer product's upper
    /// triangle is not a square number of columns.</summary>
    private static CtrModel RandomModel(string name, bool batchNorm, ulong seed)
    {
        var config = new ModelConfig
        {
            Model = name,
            EmbeddingSize = 3,
            Hidden = [6, 4],
            Activation = batchNorm ? ActivationKind.Relu : ActivationKind.Tanh,
            Dropout = 0.3f,
            BatchNorm = batchNorm,
            Seed = 5,
        };
        var model = ModelRegistry.Create(config, new FeatureSpace(Fields, Features));
        var rng = new Random((int)seed);
        foreach (var p in model.Parameters())
        {
            bool variance = p.Name.EndsWith("running_var", StringComparison.Ordinal);
            for (int i = 0; i < p.Value.Length; i++)
                p.Value[i] = variance ? 0.2f + 2f * rng.NextSingle() : (rng.NextSingle() * 2 - 1) * 0.8f;
        }
        return model;
    }

    /// <summary>Random rows: every id of the space occurs, field 0 is numeric (values of either sign, and zero), the
    /// rest categorical (value 1) except for a few scaled entries.</summary>
    private static (int[] Ids, float[] Values) RandomRows(int rows, ulong seed)
    {
        var rng = new Random((int)seed + 1);
        var ids = new int[rows * Fields];
        var values = new float[rows * Fields];
        for (int r = 0; r < rows; r++)
            for (int f = 0; f < Fields; f++)
            {
                int i = r * Fields + f;
                ids[i] = rng.Next(Features);
                values[i] = f == 0 ? (rng.NextSingle() * 4 - 2) : rng.Next(10) == 0 ? rng.NextSingle() * 3 : 1f;
            }
        values[0] = 0f;
        return (ids, values);
    }

    /// <summary>The library's own probabilities and logits (evaluation mode) for the same rows.</summary>
    private static (float[] Probabilities, float[] Logits) Ours(CtrModel model, int[] ids, float[] values, int rows)
    {
        var batch = new Batch(rows, Fields) { Size = rows };
        ids.AsSpan(0, rows * Fields).CopyTo(batch.IdBuffer);
        values.AsSpan(0, rows * Fields).CopyTo(batch.ValueBuffer);
        var ws = new Workspace(isTraining: false);
        var logits = model.Forward(batch, ws).Span.ToArray();
        var p = new float[rows];
        Predictor.PredictBatch(model, batch, p, ws);
        return (p, logits);
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public void OnnxRuntimeReproducesThePredictions(string name, bool batchNorm)
    {
        // A fixed seed per case (string hashes are randomised per process).
        ulong seed = (ulong)(2 * ModelRegistry.Names.ToList().IndexOf(name) + (batchNorm ? 1 : 0) + 11);
        var model = RandomModel(name, batchNorm, seed);
        var (ids, values) = RandomRows(Rows, seed);
        var (ourP, ourLogits) = Ours(model, ids, values, Rows);

        using var session = OnnxRunner.Open(OnnxExporter.ToBytes(model));
        var (p, logits) = OnnxRunner.Run(session, ids, values, Rows, Fields);

        Assert.Equal(Rows, p.Length);
        Assert.Equal(Rows, logits.Length);
        double maxP = 0, maxLogit = 0;
        for (int i = 0; i < Rows; i++)
        {
            maxP = Math.Max(maxP, Math.Abs(p[i] - ourP[i]));
            maxLogit = Math.Max(maxLogit, Math.Abs(logits[i] - ourLogits[i]) / Math.Max(1, Math.Abs(ourLogits[i])));
        }
        Assert.True(maxP <= 1e-5, $"{name}: max |Δp| = {maxP:G3}");
        Assert.True(maxLogit <= 1e-5, $"{name}: max relative |Δlogit| = {maxLogit:G3}");
        // The randomised model must actually discriminate, or the comparison proves little.
        Assert.True(ourP.Max() - ourP.Min() > 0.01, $"{name}: probabilities span only {ourP.Min()}..{ourP.Max()}");
    }

    [Fact]
    public void SmallAndSingleRowBatchesMatchToo()
    {
        var model = RandomModel("pnn", batchNorm: true, seed: 9);
        var (ids, values) = RandomRows(3, 9);
        using var session = OnnxRunner.Open(OnnxExporter.ToBytes(model));
        foreach (int rows in new[] { 1, 3 })
        {
            var (ourP, _) = Ours(model, ids, values, rows);
            var (p, _) = OnnxRunner.Run(session, ids, values, rows, Fields);
            for (int i = 0; i < rows; i++) Assert.InRange(Math.Abs(p[i] - ourP[i]), 0, 1e-5);
        }
    }

    [Fact]
    public void GraphDeclaresItsInputsOutputsAndMetadata()
    {
        var model = RandomModel("deepfm", batchNorm: true, seed: 3);
        using var session = OnnxRunner.Open(OnnxExporter.ToBytes(model));
        Assert.Equal(["ids", "values"], session.InputMetadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(typeof(long), session.InputMetadata["ids"].ElementType);
        Assert.Equal(typeof(float), session.InputMetadata["values"].ElementType);
        Assert.Equal([-1, Fields], session.InputMetadata["ids"].Dimensions);
        Assert.Equal(["logit", "probability"], session.OutputMetadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([-1, 1], session.OutputMetadata["probability"].Dimensions);
        var meta = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("deepfm", meta["model"]);
        Assert.Equal(Fields.ToString(System.Globalization.CultureInfo.InvariantCulture), meta["field_count"]);
        Assert.Equal(Features.ToString(System.Globalization.CultureInfo.InvariantCulture), meta["feature_count"]);
    }

    [Fact]
    public void InitializersAreNamedAfterTheParametersAndDropoutAddsNothing()
    {
        var model = RandomModel("widedeep", batchNorm: true, seed: 4);
        var proto = OnnxExporter.Build(model, null);
        var initializers = proto.Graph.Initializer.Select(t => t.Name).ToHashSet();
        foreach (var p in model.Parameters()) Assert.Contains(p.Name, initializers);
        Assert.DoesNotContain(proto.Graph.Node, n => n.OpType == "Dropout");
        Assert.Contains(proto.Graph.Node, n => n.OpType == "BatchNormalization");
        Assert.Equal(OnnxExporter.Opset, proto.OpsetImport.Single().Version);
        Assert.Equal(OnnxExporter.IrVersion, proto.IrVersion);
    }

    [Fact]
    public void SharedEmbeddingIsStoredAndLookedUpOnce()
    {
        // DeepFM's FM and DNN share V: one initializer and one lookup, as in its Forward.
        var model = RandomModel("deepfm", batchNorm: false, seed: 6);
        var proto = OnnxExporter.Build(model, null);
        Assert.Single(proto.Graph.Initializer, t => t.Name == "embedding.table");
        Assert.Single(proto.Graph.Node, n => n.OpType == "Gather" && n.Input[0] == "embedding.table");
    }
}
