using System.Diagnostics;
using DeepFM.Evaluation;
using DeepFM.MLNet;
using DeepFM.Models;
using DeepFM.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace DeepFM.Tests.MLNet;

public sealed class MLNetTests(ITestOutputHelper output)
{
    /// <summary>A row of the planted data set: the click depends on user and item biases, a user×item interaction and age.</summary>
    public sealed class Row
    {
        public bool Label { get; set; }
        public string User { get; set; } = "";
        public string Item { get; set; } = "";
        public string Device { get; set; } = "";
        public float Age { get; set; }
        public float Price { get; set; }

        /// <summary>The click probability the row was drawn with: scoring by it gives the best AUC any model can reach.</summary>
        public float TrueProbability { get; set; }
    }

    private static readonly string[] Cats = ["User", "Item", "Device"];
    private static readonly string[] Nums = ["Age", "Price"];

    internal static List<Row> Planted(int n, int seed)
    {
        var rng = new Random(seed);
        // Fixed effects (seed 99) so train and test share them; rows differ by seed.
        var fx = new Random(99);
        var userBias = Enumerable.Range(0, 60).Select(_ => fx.NextDouble() * 2 - 1).ToArray();
        var itemBias = Enumerable.Range(0, 40).Select(_ => fx.NextDouble() * 2 - 1).ToArray();
        var rows = new List<Row>(n);
        for (int i = 0; i < n; i++)
        {
            int u = rng.Next(60), it = rng.Next(40), d = rng.Next(4);
            float age = 18 + rng.Next(50), price = (float)Math.Round(rng.NextDouble() * 100, 1);
            double logit = userBias[u] + itemBias[it] + (u % 4 == it % 4 ? 1.5 : -0.5) + (age > 40 ? 0.7 : -0.3) - 0.5;
            double p = 1 / (1 + Math.Exp(-logit));
            rows.Add(new Row
            {
                Label = rng.NextDouble() < p,
                TrueProbability = (float)p,
                User = "u" + u, Item = "i" + it, Device = "d" + d, Age = age, Price = price,
            });
        }
        return rows;
    }

    internal static DeepFMTrainerOptions SmallOptions => new()
    {
        Model = new ModelConfig { EmbeddingSize = 8, Hidden = [16, 16], Dropout = 0 },
        Training = new TrainOptions { Epochs = 8, BatchSize = 128, LearningRate = 0.01f, Patience = 2 },
    };

    private static float[] Column(MLContext ml, IDataView view, string name) => [.. view.GetColumn<float>(view.Schema[name])];

    [Fact]
    public void Trains_evaluates_and_round_trips_through_the_model_zip()
    {
        var ml = new MLContext(seed: 1);
        // Enough rows that the user×item interaction can be learned, not only the biases: the AUC is then a
        // property of the trainer, not of which 300 rows the validation split drew.
        var train = ml.Data.LoadFromEnumerable(Planted(20000, 1));
        var testRows = Planted(1000, 2);
        var test = ml.Data.LoadFromEnumerable(testRows);
        var model = ml.BinaryClassification.Trainers.DeepFM("Label", Cats, Nums, SmallOptions).Fit(train);
        var scored = model.Transform(test);
        var metrics = ml.BinaryClassification.Evaluate(scored);
        double oracle = Metrics.Auc([.. testRows.Select(r => r.TrueProbability)], [.. testRows.Select(r => r.Label ? 1f : 0f)]);
        output.WriteLine($"DeepFM AUC {metrics.AreaUnderRocCurve:F4} logloss {metrics.LogLoss:F4} (bits); oracle AUC {oracle:F4}");
        // At least 60% of the way from chance to the best AUC the rows allow.
        Assert.True(metrics.AreaUnderRocCurve > 0.5 + 0.6 * (oracle - 0.5), $"AUC {metrics.AreaUnderRocCurve} with oracle {oracle}");

        using var dir = new TempDir();
        string zip = Path.Combine(dir.Path, "model.zip");
        ml.Model.Save(model, train.Schema, zip);
        // A fresh context, as in another process: it only needs the loader registered.
        var ml2 = new MLContext(seed: 5).RegisterDeepFM();
        var loaded = ml2.Model.Load(zip, out var inputSchema);
        Assert.Equal(train.Schema.Count, inputSchema.Count);
        var scored2 = loaded.Transform(test);
        Assert.Equal(Column(ml, scored, "Probability"), Column(ml2, scored2, "Probability"));
        Assert.Equal(Column(ml, scored, "Score"), Column(ml2, scored2, "Score"));
        Assert.Equal(metrics.AreaUnderRocCurve, ml2.BinaryClassification.Evaluate(scored2).AreaUnderRocCurve);
    }

    [Fact]
    public void Works_inside_an_estimator_chain_and_reports_unregistered_loads()
    {
        var ml = new MLContext(seed: 1);
        var rows = Planted(1500, 3);
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = SmallOptions with { Training = SmallOptions.Training with { Epochs = 2 } };
        var pipeline = ml.Transforms.CopyColumns("Dev", "Device")
            .Append(ml.BinaryClassification.Trainers.DeepFM("Label", ["User", "Item", "Dev"], ["Age"], options));
        var model = pipeline.Fit(data);
        var before = model.Transform(data).GetColumn<float>("Probability").ToArray();
        Assert.Equal(BooleanDataViewType.Instance, model.GetOutputSchema(data.Schema)["PredictedLabel"].Type);

        using var dir = new TempDir();
        string zip = Path.Combine(dir.Path, "chain.zip");
        ml.Model.Save(model, data.Schema, zip);
        var after = ml.Model.Load(zip, out _).Transform(data).GetColumn<float>("Probability").ToArray();
        Assert.Equal(before, after);
        Assert.ThrowsAny<Exception>(() => new MLContext().Model.Load(zip, out _));
    }

    /// <summary>What a PredictionEngine returns for one row.</summary>
    public sealed class Prediction
    {
        public float Score { get; set; }
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }

    [Fact]
    public void PredictionEngine_scores_each_row_as_Transform_does()
    {
        var ml = new MLContext(seed: 1);
        var rows = Planted(1500, 4);
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = SmallOptions with { Training = SmallOptions.Training with { Epochs = 2 } };
        // In a chain too: a chain is a row-to-row mapper only when every part is.
        var model = ml.Transforms.CopyColumns("Dev", "Device")
            .Append(ml.BinaryClassification.Trainers.DeepFM("Label", ["User", "Item", "Dev"], ["Age", "Price"], options)).Fit(data);
        float[] batch = Column(ml, model.Transform(data), "Probability");
        float[] scores = Column(ml, model.Transform(data), "Score");
        var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(model);
        for (int i = 0; i < 200; i++)
        {
            var p = engine.Predict(rows[i]);
            Assert.Equal(batch[i], p.Probability, 5);
            Assert.Equal(scores[i], p.Score, 4);
            Assert.Equal(p.Probability > 0.5f, p.PredictedLabel);
        }
        // Engines on several threads at once: each has its own row, batch and workspace.
        var results = new float[4][];
        Parallel.For(0, 4, t =>
        {
            var e = ml.Model.CreatePredictionEngine<Row, Prediction>(model);
            results[t] = [.. rows.Take(300).Select(r => e.Predict(r).Probability)];
        });
        foreach (var r in results) for (int i = 0; i < 300; i++) Assert.Equal(batch[i], r[i], 5);
    }

    [Fact]
    public void Compares_with_MLNet_field_aware_factorization_machine()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Planted(3000, 1));
        var test = ml.Data.LoadFromEnumerable(Planted(1000, 2));

        var clock = Stopwatch.StartNew();
        var deepfm = ml.BinaryClassification.Trainers.DeepFM("Label", Cats, Nums, SmallOptions).Fit(train);
        double deepfmSeconds = clock.Elapsed.TotalSeconds;
        var d = ml.BinaryClassification.Evaluate(deepfm.Transform(test));

        // FFM takes one float vector per field: one-hot text columns, min-max scaled numbers.
        var ffmPipeline = ml.Transforms.Categorical.OneHotEncoding([new("UserF", "User"), new("ItemF", "Item"), new("DeviceF", "Device")])
            .Append(ml.Transforms.Concatenate("NumF", "Age", "Price"))
            .Append(ml.Transforms.NormalizeMinMax("NumF"))
            .Append(ml.BinaryClassification.Trainers.FieldAwareFactorizationMachine(["UserF", "ItemF", "DeviceF", "NumF"], "Label"));
        clock.Restart();
        var ffm = ffmPipeline.Fit(train);
        double ffmSeconds = clock.Elapsed.TotalSeconds;
        var f = ml.BinaryClassification.Evaluate(ffm.Transform(test));

        output.WriteLine("| trainer | test AUC | test logloss | training time (s) |");
        output.WriteLine("| --- | --- | --- | --- |");
        output.WriteLine($"| DeepFM (k=8, hidden 16-16, ≤8 epochs) | {d.AreaUnderRocCurve:F4} | {d.LogLoss:F4} | {deepfmSeconds:F2} |");
        output.WriteLine($"| ML.NET FieldAwareFactorizationMachine (defaults) | {f.AreaUnderRocCurve:F4} | {f.LogLoss:F4} | {ffmSeconds:F2} |");
        Assert.True(d.AreaUnderRocCurve > 0.6, $"DeepFM AUC {d.AreaUnderRocCurve}");
        Assert.True(f.AreaUnderRocCurve > 0.6, $"FFM AUC {f.AreaUnderRocCurve}");
    }
}
