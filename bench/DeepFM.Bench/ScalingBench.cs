using System.Globalization;
using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Bench;

/// <summary>
/// Does cost grow linearly (issue 4)? On the 1M-row bench cache (the pipeline bench's data and split): one epoch on
/// the first half of the training rows against all of them (time should double), and all rows with vocabularies at
/// min count 10 against min count 4, which about doubles the vocabulary by keeping rarer values (rows/s should hold:
/// lazy updates touch only the rows in the batch). Runs alternate after a warm-up, ratios are medians over
/// repetitions, and every run uses the bench's settings (DeepFM 400-400-400, dropout 0.5, batch 4096); LR and FM run
/// several epochs per measurement so that each lasts long enough to time.
/// </summary>
internal static class ScalingBench
{
    public static int Run(string[] args)
    {
        string dir = Path.Combine(Path.GetTempPath(), "deepfm-bench");
        string[] models = ["lr", "fm", "deepfm"];
        int reps = 3;
        long rows = 1_000_000;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--models": models = args[++i].Split(','); break;
                case "--reps": reps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rows": rows = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--dir": dir = args[++i]; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        string train = Path.Combine(dir, $"synth-{rows}.train.tsv");
        if (!File.Exists(train))
        {
            Console.Error.WriteLine($"{train} not found: run `pipeline --rows {rows}` first (it generates and splits the data).");
            return 2;
        }
        var options = new DataOptions { Format = DataFormat.Criteo, MinCount = 10 };
        using var data = DataPipeline.OpenOrPrepare(train, Path.Combine(dir, "train.cache"), options, SplitOptions.None);
        using var wide = DataPipeline.OpenOrPrepare(train, Path.Combine(dir, "train-min4.cache"), options with { MinCount = 4 }, SplitOptions.None);
        var all = data.All;
        var half = new PrefixRows(all, all.Count / 2);
        int features = data.FeatureMap.FeatureCount, wideFeatures = wide.FeatureMap.FeatureCount;
        Console.WriteLine($"Rows {all.Count:N0} (half {half.Count:N0}), fields {all.FieldCount}, vocabulary {features:N0} at min count 10, {wideFeatures:N0} at min count 4 ({(double)wideFeatures / features:F2}×), reps {reps}, {DateTime.UtcNow:yyyy-MM-dd}");
        Console.WriteLine();
        Console.WriteLine("| model | epochs | embedding updates | time, half rows (s) | time, all rows (s) | time ratio (ideal 2) | rows/s, min count 10 | rows/s, min count 4 | rows/s ratio (ideal 1) |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (string name in models)
        {
            int epochs = name switch { "lr" => 8, "fm" => 3, _ => 1 };
            foreach (var update in name == "lr" ? new[] { EmbeddingUpdate.Auto } : new[] { EmbeddingUpdate.Lazy, EmbeddingUpdate.Auto })
            {
                Train(name, update, half, features, 1);   // warm-up: JIT, page cache, thread pools
                var tHalf = new List<double>(); var tAll = new List<double>(); var rOne = new List<double>(); var rTwo = new List<double>();
                var timeRatio = new List<double>(); var rateRatio = new List<double>();
                for (int r = 0; r < reps; r++)
                {
                    var a = Train(name, update, half, features, epochs);
                    var b = Train(name, update, all, features, epochs);
                    var c = Train(name, update, wide.All, wideFeatures, epochs);
                    tHalf.Add(a.TrainTime.TotalSeconds); tAll.Add(b.TrainTime.TotalSeconds);
                    rOne.Add(b.RowsPerSecond); rTwo.Add(c.RowsPerSecond);
                    timeRatio.Add(b.TrainTime.TotalSeconds / a.TrainTime.TotalSeconds);
                    rateRatio.Add(c.RowsPerSecond / b.RowsPerSecond);
                }
                string mode = name == "lr" ? "ftrl, dense (≤ 1M numbers)" : update == EmbeddingUpdate.Lazy ? "lazy" : "auto (dense ≤ 1M numbers)";
                Console.WriteLine($"| {name} | {epochs} | {mode} | {Median(tHalf):F2} | {Median(tAll):F2} | {Median(timeRatio):F3} | {Median(rOne):N0} | {Median(rTwo):N0} | {Median(rateRatio):F3} |");
            }
        }
        return 0;
    }

    private static TrainResult Train(string name, EmbeddingUpdate update, IRowSet rows, int features, int epochs)
    {
        var config = new ModelConfig
        {
            Model = name, EmbeddingSize = 10, Hidden = [400, 400, 400], Dropout = 0.5f, BatchNorm = false, Seed = 1, EmbeddingUpdate = update,
        };
        var model = ModelRegistry.Create(config, new FeatureSpace(rows.FieldCount, features));
        var opts = new TrainOptions
        {
            Epochs = epochs, BatchSize = 4096, Optimizer = name == "lr" ? "ftrl" : "adam", LearningRate = name == "lr" ? 0.2f : 1e-3f, ClipNorm = 0,
        };
        return new Trainer(opts).Fit(model, rows, null);
    }

    private static double Median(List<double> v)
    {
        var s = v.OrderBy(x => x).ToArray();
        return s[s.Length / 2];
    }
}
