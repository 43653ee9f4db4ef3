using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Engine;
using DeepFM.Evaluation;
using DeepFM.Pipeline;
using DeepFM.Serialization;
using DeepFM.Training;

namespace DeepFM.Cli.Commands;

/// <summary><c>deepfm evaluate</c>: AUC and logloss of a saved model on a labelled file.</summary>
internal static class EvaluateCommand
{
    public static Command Create(CliIO io)
    {
        var model = new Option<string>("--model") { Description = "Saved model (.dfm).", Required = true };
        var data = new Option<string>("--data") { Description = "Labelled data in the model's input format (or a cache encoded with its feature map).", Required = true };
        var skip = new Option<bool>("--skip-bad-lines") { Description = "Skip and count malformed lines." };
        var threads = ModelOptionSet.ThreadsOption("Threads (default: all cores).");
        var json = new Option<bool>("--json") { Description = "Print the results as one JSON object instead of text." };
        var command = new Command("evaluate", "Report AUC and logloss of a saved model on labelled data.") { model, data, skip, threads, json };
        command.SetAction(r =>
        {
            string modelPath = r.GetValue(model)!, dataPath = r.GetValue(data)!;
            var saved = ModelFile.Load(modelPath);
            var clock = Stopwatch.StartNew();
            var (probabilities, labels) = Score(saved, dataPath, r.GetValue(skip), withLabels: true, r.GetValue(threads));
            var result = EvalResult.Of(probabilities, labels);
            clock.Stop();
            if (r.GetValue(json))
            {
                var o = new System.Text.Json.Nodes.JsonObject
                {
                    ["model"] = Path.GetFullPath(modelPath), ["modelKind"] = saved.Model.Config.Model, ["rows"] = result.Rows,
                    ["auc"] = Finite(result.Auc), ["logloss"] = Finite(result.Logloss), ["normalizedEntropy"] = Finite(result.NormalizedEntropy),
                    ["calibration"] = Finite(result.CalibrationRatio), ["meanPrediction"] = Finite(result.MeanPrediction), ["ctr"] = Finite(result.BaseRate),
                    ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 3),
                };
                io.Out.WriteLine(o.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "model    {0} ({1})", modelPath, saved.Model.Config.Model));
            io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "AUC      {0:F5}", result.Auc));
            io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "logloss  {0:F5}", result.Logloss));
            io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "NE       {0:F5}  (logloss / entropy of the CTR {1:F5}; below 1 beats predicting the CTR)", result.NormalizedEntropy, result.BaseRate));
            io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "calib    {0:F4}  (mean prediction {1:F5} / CTR {2:F5})", result.CalibrationRatio, result.MeanPrediction, result.BaseRate));
            io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "rows     {0:N0}", result.Rows));
            io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "time     {0:F2} s ({1:N0} rows/s)", clock.Elapsed.TotalSeconds, result.Rows / Math.Max(1e-9, clock.Elapsed.TotalSeconds)));
            return 0;
        });
        return command;
    }

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;

    /// <summary>Scores a raw file (streamed, in input order) or a cache with the model's feature map.</summary>
    public static (float[] Probabilities, float[] Labels) Score(SavedModel saved, string dataPath, bool skipBadLines, bool withLabels, int threads)
    {
        if (!File.Exists(dataPath)) throw new UserInputException($"{dataPath}: file not found.");
        var model = saved.Model;
        var ws = new Workspace(isTraining: false, ComputeContext.Default.WithThreads(threads));
        if (DataLoader.IsCacheFile(dataPath))
        {
            using var cached = PreparedData.Open(dataPath);
            if (cached.FeatureMap.Hash != saved.FeatureMap.Hash)
                throw new UserInputException($"{dataPath}: this cache was encoded with a different feature map than the model's; pass the raw file instead.");
            // A cache prepared with a split holds training rows too: evaluate scores only its held-out rows.
            var rows = !withLabels ? cached.All : cached.Test.Count > 0 ? cached.Test : cached.Valid.Count > 0 ? cached.Valid : cached.All;
            return (Predictor.Predict(model, rows, ws), withLabels ? Predictor.Labels(rows) : []);
        }
        var probabilities = new List<float>();
        var labels = new List<float>();
        var buffer = new float[Predictor.DefaultBatchSize];
        // Scores need no labels: a file without them (a CSV without the label column, Criteo's 39 columns) is read as such.
        bool hasLabels = withLabels || DataPipeline.HasLabels(dataPath, saved.FeatureMap);
        foreach (var batch in DataPipeline.StreamBatches(dataPath, saved.FeatureMap, Predictor.DefaultBatchSize, skipBadLines, hasLabels))
        {
            var p = buffer.AsSpan(0, batch.Size);
            Predictor.PredictBatch(model, batch, p, ws);
            foreach (float v in p) probabilities.Add(v);
            if (withLabels) foreach (float y in batch.Labels) labels.Add(y);
        }
        if (probabilities.Count == 0) throw new UserInputException($"{dataPath}: no rows to score.");
        return ([.. probabilities], [.. labels]);
    }
}
