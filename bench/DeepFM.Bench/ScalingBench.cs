using System.Globalization;
using DeepFM.Data;
using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Bench;

/// <summary>
/// Does cost grow linearly (issue 4)? On the 1M-row bench cache (the pipeline bench's data and split): one epoch on
/// the first half of the training rows against one on all of them (time should double), and one epoch on all rows
/// against the same rows with every feature split in two (twice the vocabulary: <c>id → 2·id + h(row, field)</c>, so
/// each new feature has half the occurrences; rows/s should not change). Runs alternate, ratios are medians over
/// repetitions, and every run uses the bench's settings (DeepFM 400-400-400, dropout 0.5, batch 4096).
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
        var all = data.All;
        var half = new PrefixRows(all, all.Count / 2);
        var doubled = new SplitFeatures(all);
        int features = data.FeatureMap.FeatureCount;
        Console.WriteLine($"Rows {all.Count:N0} (half {half.Count:N0}), fields {all.FieldCount}, vocabulary {features:N0} (doubled {2 * features:N0}), reps {reps}, {DateTime.UtcNow:yyyy-MM-dd}");
        Console.WriteLine();
        Console.WriteLine("| model | embedding updates | time, half rows (s) | time, all rows (s) | time ratio (ideal 2) | rows/s, vocabulary ×1 | rows/s, vocabulary ×2 | rows/s ratio (ideal 1) |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (string name in models)
        {
            foreach (var update in name == "lr" ? new[] { EmbeddingUpdate.Auto } : new[] { EmbeddingUpdate.Lazy, EmbeddingUpdate.Auto })
            {
                var tHalf = new List<double>(); var tAll = new List<double>(); var rOne = new List<double>(); var rTwo = new List<double>();
                var timeRatio = new List<double>(); var rateRatio = new List<double>();
                for (int r = 0; r < reps; r++)
                {
                    var a = Train(name, update, half, features);
                    var b = Train(name, update, all, features);
                    var c = Train(name, update, doubled, 2 * features);
                    tHalf.Add(a.TrainTime.TotalSeconds); tAll.Add(b.TrainTime.TotalSeconds);
                    rOne.Add(b.RowsPerSecond); rTwo.Add(c.RowsPerSecond);
                    timeRatio.Add(b.TrainTime.TotalSeconds / a.TrainTime.TotalSeconds);
                    rateRatio.Add(c.RowsPerSecond / b.RowsPerSecond);
                }
                string mode = name == "lr" ? "ftrl (dense ≤ 1M numbers)" : update == EmbeddingUpdate.Lazy ? "lazy" : "auto (dense ≤ 1M numbers)";
                Console.WriteLine($"| {name} | {mode} | {Median(tHalf):F2} | {Median(tAll):F2} | {Median(timeRatio):F3} | {Median(rOne):N0} | {Median(rTwo):N0} | {Median(rateRatio):F3} |");
            }
        }
        return 0;
    }

    private static TrainResult Train(string name, EmbeddingUpdate update, IRowSet rows, int features)
    {
        var config = new ModelConfig
        {
            Model = name, EmbeddingSize = 10, Hidden = [400, 400, 400], Dropout = 0.5f, BatchNorm = false, Seed = 1, EmbeddingUpdate = update,
        };
        var model = ModelRegistry.Create(config, new FeatureSpace(rows.FieldCount, features));
        var opts = new TrainOptions
        {
            Epochs = 1, BatchSize = 4096, Optimizer = name == "lr" ? "ftrl" : "adam", LearningRate = name == "lr" ? 0.2f : 1e-3f, ClipNorm = 0,
        };
        return new Trainer(opts).Fit(model, rows, null);
    }

    private static double Median(List<double> v)
    {
        var s = v.OrderBy(x => x).ToArray();
        return s[s.Length / 2];
    }

    /// <summary>The first <c>count</c> rows of a row set.</summary>
    private sealed class PrefixRows(IRowSet source, int count) : IRowSet
    {
        public int Count => count;
        public int FieldCount => source.FieldCount;
        public void Gather(ReadOnlySpan<int> rows, Batch batch) => source.Gather(rows, batch);
        public void Slice(int start, int n, Batch batch) => source.Slice(start, n, batch);
    }

    /// <summary>Every feature split in two by a hash of (row, field): twice the vocabulary, half the occurrences each.</summary>
    private sealed class SplitFeatures(IRowSet source) : IRowSet
    {
        public int Count => source.Count;
        public int FieldCount => source.FieldCount;

        public void Gather(ReadOnlySpan<int> rows, Batch batch)
        {
            source.Gather(rows, batch);
            Remap(rows, batch);
        }

        public void Slice(int start, int n, Batch batch)
        {
            source.Slice(start, n, batch);
            Span<int> rows = n <= 8192 ? stackalloc int[n] : new int[n];
            for (int i = 0; i < n; i++) rows[i] = start + i;
            Remap(rows, batch);
        }

        private void Remap(ReadOnlySpan<int> rows, Batch batch)
        {
            int m = FieldCount;
            var ids = batch.Ids;
            for (int i = 0; i < rows.Length; i++)
                for (int f = 0; f < m; f++)
                {
                    ulong h = (ulong)(uint)rows[i] * 0x9E3779B97F4A7C15UL + (ulong)f * 0xBF58476D1CE4E5B9UL;
                    ids[i * m + f] = 2 * ids[i * m + f] + (int)((h >> 61) & 1);
                }
        }
    }
}
