using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DeepFM.Evaluation;
using DeepFM.Pipeline;
using DeepFM.Serialization;

namespace DeepFM.Cli;

/// <summary>
/// What one <c>deepfm train</c> leaves for later reading: <c>config.yaml</c> (the effective settings, reusable with
/// <c>--config</c>), <c>history.csv</c> (one line per validation), <c>learning-curve.png</c>, <c>summary.json</c>
/// (metrics, timing, the command, the machine) and the model (<c>model.dfm</c>, unless <c>--out</c> put it elsewhere,
/// which the summary names). Each text file is written atomically (<see cref="IO.AtomicFile"/>).
/// </summary>
internal static class RunFolder
{
    /// <summary>Writes the run folder <paramref name="dir"/>; returns the files written.</summary>
    public static IReadOnlyList<string> Write(string dir, ParseResult r, TrainedModel trained, string? modelPath, IReadOnlyList<string> args,
        Experiments.IChartRenderer? charts)
    {
        Directory.CreateDirectory(dir);
        var files = new List<string>();
        void Text(string name, string content)
        {
            string path = Path.Combine(dir, name);
            IO.AtomicFile.Write(path, f => f.Write(Encoding.UTF8.GetBytes(content)));
            files.Add(path);
        }

        Text("config.yaml", ExperimentConfig.Effective(r));
        var history = trained.Training.History;
        var csv = new StringBuilder("step,epoch,train_loss,valid_auc,valid_logloss,valid_ne,valid_calibration,learning_rate,improved,seconds\n");
        foreach (var h in history)
            csv.Append(string.Create(CultureInfo.InvariantCulture,
                $"{h.Step},{h.Epoch},{h.TrainLoss:R},{h.ValidAuc:R},{h.ValidLogloss:R},{h.ValidNormalizedEntropy:R},{h.ValidCalibration:R},{h.LearningRate:R},{(h.Improved ? 1 : 0)},{h.Elapsed.TotalSeconds:F3}\n"));
        Text("history.csv", csv.ToString());

        if (modelPath is null)
        {
            modelPath = Path.Combine(dir, "model.dfm");
            ModelFile.Save(modelPath, trained.Saved);
            files.Add(modelPath);
        }
        Text("summary.json", Summary(trained, Path.GetFullPath(modelPath), args));

        if (charts is not null && history.Count > 0)
        {
            string png = Path.Combine(dir, "learning-curve.png");
            var steps = history.Select(h => h.Step.ToString(CultureInfo.InvariantCulture)).ToList();
            charts.Lines(png, steps,
            [
                ("valid AUC", history.Select(h => h.ValidAuc).ToList()),
                ("valid logloss", history.Select(h => h.ValidLogloss).ToList()),
                ("train loss", history.Select(h => h.TrainLoss).ToList()),
            ], $"{trained.Saved.Model.Config.Model}: learning curve", "step", "value");
            files.Add(png);
        }
        return files;
    }

    /// <summary>The run's summary as JSON (what <c>summary.json</c> holds and <c>train --json</c> prints).</summary>
    public static string Summary(TrainedModel trained, string? modelPath, IReadOnlyList<string> args)
    {
        var t = trained.Training;
        var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("model", trained.Saved.Model.Config.Model);
            w.WriteNumber("parameters", trained.Saved.Model.ParameterCount());
            if (modelPath is null) w.WriteNull("modelFile");
            else w.WriteString("modelFile", modelPath);
            w.WriteNumber("epochs", t.Epochs);
            w.WriteNumber("bestEpoch", t.BestEpoch);
            w.WriteBoolean("stoppedEarly", t.StoppedEarly);
            w.WriteBoolean("cancelled", t.Cancelled);
            w.WriteNumber("trainSeconds", Math.Round(t.TrainTime.TotalSeconds, 3));
            w.WriteNumber("rowsSeen", t.RowsSeen);
            w.WriteNumber("rowsPerSecond", Math.Round(t.RowsPerSecond));
            Metrics(w, "valid", trained.Valid);
            Metrics(w, "test", trained.Test);
            w.WriteStartArray("command");
            w.WriteStringValue("deepfm");
            w.WriteStringValue("train");
            foreach (string a in args) w.WriteStringValue(a);
            w.WriteEndArray();
            w.WriteStartObject("machine");
            w.WriteString("os", System.Runtime.InteropServices.RuntimeInformation.OSDescription);
            w.WriteString("runtime", System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
            w.WriteNumber("cores", Environment.ProcessorCount);
            w.WriteEndObject();
            w.WriteString("version", typeof(RunFolder).Assembly.GetName().Version?.ToString(3));
            w.WriteString("createdUtc", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    private static void Metrics(Utf8JsonWriter w, string name, EvalResult? result)
    {
        if (result is not { } m) { w.WriteNull(name); return; }
        w.WriteStartObject(name);
        Number(w, "auc", m.Auc);
        Number(w, "logloss", m.Logloss);
        Number(w, "normalizedEntropy", m.NormalizedEntropy);
        Number(w, "calibration", m.CalibrationRatio);
        w.WriteNumber("rows", m.Rows);
        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }
}
