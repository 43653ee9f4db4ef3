using System.Diagnostics;
using System.Globalization;
using DeepFM.Data;
using DeepFM.Models;
using DeepFM.Pipeline;
using DeepFM.Preparation;
using DeepFM.Serialization;
using DeepFM.Synthetic;
using DeepFM.Training;

namespace DeepFM.Bench;

/// <summary>
/// What a checkpoint costs (issue 11): DeepFM at the paper preset on synthetic Criteo-format rows, after some steps
/// (so Adam's moments exist). Per repetition: the model file write (the reference), the checkpoint write (weights, two
/// Adam moments, best snapshot; SHA-256; fsync and rename), the checkpoint read with its checksum (what a resume pays
/// before its first step) and one training step; medians, sizes, and the checkpoint's cost in training steps.
/// </summary>
internal static class CheckpointBench
{
    public static int Run(string[] args)
    {
        string dir = Path.Combine(Path.GetTempPath(), "deepfm-bench-ckpt");
        long rows = 1_000_000;
        int reps = 5;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows": rows = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--reps": reps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--dir": dir = args[++i]; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        Directory.CreateDirectory(dir);
        string train = Path.Combine(dir, $"synth-{rows}.tsv");
        if (!File.Exists(train)) CriteoSynth.Generate(new SynthOptions { Rows = rows, Seed = 1 }, train, null);
        using var data = DataPipeline.OpenOrPrepare(train, Path.Combine(dir, $"synth-{rows}.cache"), new DataOptions { Format = DataFormat.Criteo, MinCount = 10 }, SplitOptions.None);
        var preset = Preset.Paper;
        var config = preset.ModelFor("deepfm");
        var options = preset.TrainingFor("deepfm");
        var space = new FeatureSpace(data.FeatureMap.FieldCount, data.FeatureMap.FeatureCount);
        var model = ModelRegistry.Create(config, space);
        var state = new TrainingState(Optimizer.Create(options.Optimizer!, options.LearningRate!.Value));
        var rowsSet = data.All;
        var sample = new PrefixRows(rowsSet, Math.Min(rowsSet.Count, options.BatchSize * 20));
        var trainer = new Trainer(options with { Epochs = 1, EvalEverySteps = 0 });
        var stepClock = Stopwatch.StartNew();
        trainer.Fit(model, sample, null, state);
        double stepSeconds = stepClock.Elapsed.TotalSeconds / Math.Max(1, state.Step);
        state.SnapshotBest(model.Parameters());   // a checkpoint usually carries the best weights too

        var checkpoint = new Checkpoint
        {
            Saved = new SavedModel(model, data.FeatureMap, new ModelMetadata()),
            State = state,
            Options = options.ResolveFor("deepfm"),
            Data = new CheckpointData { TrainRows = rowsSet.Count, FeatureMapHash = data.FeatureMap.Hash },
        };
        string modelPath = Path.Combine(dir, "m.dfm"), ckPath = Path.Combine(dir, Checkpoint.FileName(state.Step));
        var tModel = new List<double>(); var tSave = new List<double>(); var tLoad = new List<double>();
        for (int r = 0; r <= reps; r++)
        {
            var c = Stopwatch.StartNew();
            ModelFile.Save(modelPath, checkpoint.Saved);
            double a = c.Elapsed.TotalSeconds;
            c.Restart();
            Checkpoint.Save(ckPath, checkpoint);
            double b = c.Elapsed.TotalSeconds;
            c.Restart();
            _ = Checkpoint.Load(ckPath);
            double l = c.Elapsed.TotalSeconds;
            if (r == 0) continue;   // warm-up
            tModel.Add(a); tSave.Add(b); tLoad.Add(l);
        }
        double mb(string p) => new FileInfo(p).Length / 1e6;
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "rows {0:N0}, features {1:N0}, parameters {2:N0}, steps {3}, reps {4}, {5:yyyy-MM-dd}", rowsSet.Count, space.FeatureCount, model.ParameterCount(), state.Step, reps, DateTime.UtcNow));
        Console.WriteLine();
        Console.WriteLine("| what | size (MB) | median time (s) | ratio to the model file write | in training steps |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        double m = Median(tModel);
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "| model file write | {0:F1} | {1:F3} | 1.00 | {2:F1} |", mb(modelPath), m, m / stepSeconds));
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "| checkpoint write (fsync, rename) | {0:F1} | {1:F3} | {2:F2} | {3:F1} |", mb(ckPath), Median(tSave), Median(tSave) / m, Median(tSave) / stepSeconds));
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "| checkpoint read + checksum (resume) | {0:F1} | {1:F3} | {2:F2} | {3:F1} |", mb(ckPath), Median(tLoad), Median(tLoad) / m, Median(tLoad) / stepSeconds));
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "| one training step (batch {0}) | | {1:F3} | | 1 |", options.BatchSize, stepSeconds));
        return 0;
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
