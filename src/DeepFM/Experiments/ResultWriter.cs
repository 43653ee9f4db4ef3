using System.Globalization;
using System.Text;

namespace DeepFM.Experiments;

/// <summary>Writes <c>results.md</c>, <c>results.csv</c> and, given a chart renderer, the PNG charts of an experiment.</summary>
public static class ResultWriter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Writes every file into <paramref name="dir"/> (created if needed); returns their paths. Without
    /// <paramref name="charts"/> no PNG is drawn and <c>results.md</c> links none; the text files are the same either way.</summary>
    public static IReadOnlyList<string> WriteAll(string dir, ExperimentResult result, ExperimentInfo info, IChartRenderer? charts = null)
    {
        Directory.CreateDirectory(dir);
        var written = new List<string>();
        string md = Path.Combine(dir, "results.md"), csv = Path.Combine(dir, "results.csv");
        var chartFiles = charts is not null && result.Rows.Count > 0 ? WriteCharts(dir, result, info, charts) : [];
        File.WriteAllText(md, Markdown(result, info, chartFiles.Select(Path.GetFileName).ToList()!));
        File.WriteAllText(csv, Csv(result, info));
        written.Add(md);
        written.Add(csv);
        written.AddRange(chartFiles);
        return written;
    }

    /// <summary>The charts, drawn by <paramref name="charts"/>: compare → auc.png, logloss.png, training-time.png;
    /// study → &lt;param&gt;-auc.png, &lt;param&gt;-logloss.png.</summary>
    public static IReadOnlyList<string> WriteCharts(string dir, ExperimentResult result, ExperimentInfo info, IChartRenderer charts)
    {
        ArgumentNullException.ThrowIfNull(charts);
        var paths = new List<string>();
        var rows = result.Rows;
        if (info.Parameter is not StudyParameter p)
        {
            string auc = Path.Combine(dir, "auc.png"), logloss = Path.Combine(dir, "logloss.png"), time = Path.Combine(dir, "training-time.png");
            string baseline = PaperModels.Label(result.BaselineModel ?? "");
            if (IsMultiSeed(result))
            {
                // One bar per model: the mean over seeds.
                var summary = Comparison.Summarize(result);
                var names = summary.Select(x => x.Label).ToList();
                string n = $" (mean of {summary.Max(x => x.Seeds)} seeds)";
                charts.Bars(auc, names, [.. summary.Select(x => x.TestAuc.Mean)], "Test AUC" + n, "AUC", zoom: true);
                charts.Bars(logloss, names, [.. summary.Select(x => x.TestLogloss.Mean)], "Test logloss" + n, "Logloss", zoom: true, valueFormat: "F5");
                charts.Bars(time, names, [.. summary.Select(x => x.RelativeTime)], $"Training time relative to {baseline}" + n,
                    $"training time / training time of {baseline}", zoom: false, valueFormat: "F2", referenceLine: 1);
                paths.AddRange([auc, logloss, time]);
                return paths;
            }
            var labels = rows.Select(r => r.Label).ToList();
            charts.Bars(auc, labels, [.. rows.Select(r => r.TestAuc)], "Test AUC", "AUC", zoom: true);
            charts.Bars(logloss, labels, [.. rows.Select(r => r.TestLogloss)], "Test logloss", "Logloss", zoom: true, valueFormat: "F5");
            charts.Bars(time, labels, [.. rows.Select(r => r.RelativeTime)], $"Training time relative to {baseline}",
                $"training time / training time of {baseline}", zoom: false, valueFormat: "F2", referenceLine: 1);
            paths.AddRange([auc, logloss, time]);
        }
        else
        {
            var settings = Settings(rows);
            var models = rows.Select(r => r.Model).Distinct().ToList();
            string name = Study.Name(p), title = Study.Title(p);
            foreach (var (metric, label, pick) in new (string, string, Func<ExperimentRow, double>)[]
                     { ("auc", "AUC", r => r.TestAuc), ("logloss", "Logloss", r => r.TestLogloss) })
            {
                var series = models.Select(m => (PaperModels.Label(m),
                    (IReadOnlyList<double>)[.. settings.Select(s => rows.FirstOrDefault(r => r.Model == m && r.Setting == s) is { } r ? pick(r) : double.NaN)])).ToList();
                string path = Path.Combine(dir, $"{name}-{metric}.png");
                charts.Lines(path, settings, series, $"Test {label} by {title.ToLowerInvariant()}", title, label);
                paths.Add(path);
            }
        }
        return paths;
    }

    /// <summary>The whole <c>results.md</c>.</summary>
    public static string Markdown(ExperimentResult result, ExperimentInfo info, IReadOnlyList<string>? chartFiles = null)
    {
        var sb = new StringBuilder();
        sb.AppendLine(info.Parameter is StudyParameter p
            ? $"# Hyper-parameter study: {Study.Title(p).ToLowerInvariant()} (Section 3.3)"
            : "# Model comparison (Table 2, Figure 6)");
        sb.AppendLine();
        sb.AppendLine($"- Command: `{info.CommandLine}`");
        sb.AppendLine($"- Date: {info.Date.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", Inv)} UTC");
        sb.AppendLine(string.Format(Inv, "- Seed: {0} (initialisation, dropout, shuffling and the random split; the same for every model)", info.Seed));
        var d = result.Data;
        sb.AppendLine(string.Format(Inv, "- Data: {0}{1:N0} train, {2:N0} validation, {3:N0} test rows; {4} fields, {5:N0} features",
            info.Data is null ? "" : info.Data + "; ", d.TrainRows, d.ValidRows, d.TestRows, d.Fields, d.Features));
        sb.AppendLine("- Protocol: every model on the same split, loaded once; early stopping on validation AUC, the best-validation weights kept and scored on the test rows.");
        foreach (var note in info.Notes) sb.AppendLine($"- {note}");
        if (info.Parameter == StudyParameter.Dropout)
            sb.AppendLine("- Dropout is labelled as in the paper, by the probability that a neuron is KEPT; the drop rate used is 1 − keep (keep 0.9 → drop rate 0.1).");
        sb.AppendLine(string.Format(Inv, "- Wall time: {0:F1} s", result.Elapsed.TotalSeconds));
        sb.AppendLine();
        if (info.Parameter is null && IsMultiSeed(result))
        {
            sb.Append(SeedSummaryTable(result));
            sb.AppendLine();
            sb.AppendLine("Every run:");
            sb.AppendLine();
        }
        sb.Append(MarkdownTable(result, info));
        foreach (var failed in result.Rows.Where(r => r.Failure is not null))
        {
            sb.AppendLine();
            sb.AppendLine($"**{failed.Label}{(failed.Setting.Length > 0 ? $" ({failed.Setting})" : "")} did not finish**: {failed.Failure}");
        }
        if (info.Parameter is StudyParameter && result.Rows.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Test AUC:");
            sb.AppendLine();
            sb.Append(Pivot(result, info, r => r.TestAuc, "F4"));
            sb.AppendLine();
            sb.AppendLine("Test logloss:");
            sb.AppendLine();
            sb.Append(Pivot(result, info, r => r.TestLogloss, "F5"));
        }
        if (result.Cancelled)
        {
            sb.AppendLine();
            sb.AppendLine($"**Cancelled**: {result.Rows.Count} of {result.Rows.Count + result.NotRun.Count} runs finished; not run: "
                + string.Join(", ", result.NotRun.Select(r => r.Setting.Length > 0 ? $"{r.Model} ({r.Setting})" : r.Model)) + ".");
        }
        else if (result.NotRun.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"**In progress**: {result.Rows.Count} of {result.Rows.Count + result.NotRun.Count} runs finished.");
        }
        if (chartFiles is { Count: > 0 })
        {
            sb.AppendLine();
            foreach (var f in chartFiles) sb.AppendLine($"![{Path.GetFileNameWithoutExtension(f)}]({f})");
        }
        return sb.ToString();
    }

    /// <summary>Whether a comparison ran some model with more than one seed.</summary>
    public static bool IsMultiSeed(ExperimentResult result) =>
        result.Rows.GroupBy(r => r.Model).Any(g => g.Select(r => r.Config.Seed).Distinct().Count() > 1);

    /// <summary>Per-model mean ± standard deviation over the seeds of a comparison (also printed to stdout).</summary>
    public static string SeedSummaryTable(ExperimentResult result)
    {
        var summary = Comparison.Summarize(result);
        int seeds = result.Rows.Select(r => r.Config.Seed).Distinct().Count();
        string rel = $"Time / {PaperModels.Label(summary.Any(x => string.Equals(x.Model, "lr", StringComparison.OrdinalIgnoreCase)) ? "lr" : summary.FirstOrDefault()?.Model ?? "")}";
        var sb = new StringBuilder();
        sb.AppendLine(string.Format(Inv, "Mean ± standard deviation over {0} seeds ({1}):", seeds,
            string.Join(", ", result.Rows.Select(r => r.Config.Seed).Distinct().Select(x => x.ToString(Inv)))));
        sb.AppendLine();
        sb.AppendLine($"| Model | Seeds | Test AUC | Test logloss | Valid AUC | Train (s) | {rel} | Best test AUC of the seed |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var x in summary)
            sb.AppendLine(string.Format(Inv, "| {0} | {1} | {2} ± {3} | {4} ± {5} | {6} ± {7} | {8} | {9} | {10} of {11} |", x.Label, x.Seeds,
                F(x.TestAuc.Mean, "F5"), F(x.TestAuc.Sd, "F5"), F(x.TestLogloss.Mean, "F5"), F(x.TestLogloss.Sd, "F5"),
                F(x.ValidAuc.Mean, "F5"), F(x.ValidAuc.Sd, "F5"), F(x.TrainSeconds, "F1"), F(x.RelativeTime, "F2"), x.BestCount, seeds));
        return sb.ToString();
    }

    /// <summary>The results table (also printed to stdout).</summary>
    public static string MarkdownTable(ExperimentResult result, ExperimentInfo info)
    {
        var sb = new StringBuilder();
        bool study = info.Parameter is not null;
        bool seeds = !study && IsMultiSeed(result);
        string rel = $"Time / {PaperModels.Label(result.BaselineModel ?? "")}";
        var header = study
            ? new[] { "Model", Study.Title(info.Parameter!.Value), "Hidden", "Test AUC", "Test logloss", "Test NE", "Calibration", "Valid AUC", "Epochs", "Best epoch", "Train (s)", "Parameters" }
            : ["Model", "Test AUC", "Test logloss", "Test NE", "Calibration", "Valid AUC", "Epochs", "Best epoch", "Train (s)", rel, "Parameters"];
        if (seeds) header = [header[0], "Seed", .. header[1..]];
        sb.AppendLine("| " + string.Join(" | ", header) + " |");
        sb.AppendLine("|" + string.Join("|", header.Select((_, i) => i == 0 || (study && i <= 2) ? " --- " : " ---: ")) + "|");
        foreach (var r in result.Rows)
        {
            var cells = new List<string> { r.Label };
            if (seeds) cells.Add(r.Config.Seed.ToString(Inv));
            if (study) { cells.Add(r.Setting); cells.Add(Hidden(r)); }
            cells.Add(F(r.TestAuc, "F4"));
            cells.Add(F(r.TestLogloss, "F5"));
            cells.Add(F(r.TestNormalizedEntropy, "F4"));
            cells.Add(F(r.TestCalibration, "F3"));
            cells.Add(F(r.ValidAuc, "F4"));
            cells.Add(r.Epochs.ToString(Inv));
            cells.Add(r.BestEpoch.ToString(Inv));
            cells.Add(F(r.TrainSeconds, "F1"));
            if (!study) cells.Add(F(r.RelativeTime, "F2"));
            cells.Add(r.Failure is null ? r.Parameters.ToString("N0", Inv) : "–");
            sb.AppendLine("| " + string.Join(" | ", cells.Select(c => c.Replace("|", "\\|"))) + " |");
        }
        return sb.ToString();
    }

    private static string Pivot(ExperimentResult result, ExperimentInfo info, Func<ExperimentRow, double> pick, string format)
    {
        var settings = Settings(result.Rows);
        var sb = new StringBuilder();
        sb.AppendLine($"| Model \\ {Study.Title(info.Parameter!.Value)} | " + string.Join(" | ", settings) + " |");
        sb.AppendLine("| --- |" + string.Concat(settings.Select(_ => " ---: |")));
        foreach (var m in result.Rows.Select(r => r.Model).Distinct())
            sb.AppendLine($"| {PaperModels.Label(m)} | " + string.Join(" | ", settings.Select(s =>
                result.Rows.FirstOrDefault(r => r.Model == m && r.Setting == s) is { } r ? F(pick(r), format) : "")) + " |");
        return sb.ToString();
    }

    /// <summary>The whole <c>results.csv</c>: invariant culture, a header row, one row per finished run; NaN as an empty cell.</summary>
    public static string Csv(ExperimentResult result, ExperimentInfo info)
    {
        var sb = new StringBuilder();
        sb.AppendLine("experiment,parameter,setting,model,label,hidden,activation,drop_rate,keep_probability,embedding_size,optimizer,learning_rate,batch_size,seed,"
            + "test_auc,test_logloss,valid_auc,valid_logloss,epochs,best_epoch,stopped_early,train_seconds,relative_time,parameters,failure,test_normalized_entropy,test_calibration");
        string experiment = info.Parameter is null ? "compare" : "study";
        string parameter = info.Parameter is StudyParameter p ? Study.Name(p) : "";
        foreach (var r in result.Rows)
        {
            var c = r.Config;
            var t = r.Training.ResolveFor(r.Model);
            string[] cells =
            [
                experiment, parameter, r.Setting, r.Model, r.Label, Hidden(r), c.Activation.ToString().ToLowerInvariant(),
                R(c.Dropout), R(Study.DropRateToKeep(c.Dropout)), c.EmbeddingSize.ToString(Inv), t.Optimizer ?? "", R(t.LearningRate ?? double.NaN),
                r.Training.BatchSize.ToString(Inv), c.Seed.ToString(Inv),
                R(r.TestAuc), R(r.TestLogloss), R(r.ValidAuc), R(r.ValidLogloss), r.Epochs.ToString(Inv), r.BestEpoch.ToString(Inv),
                r.StoppedEarly ? "true" : "false", R(r.TrainSeconds), R(r.RelativeTime), r.Parameters.ToString(Inv), r.Failure ?? "",
                R(r.TestNormalizedEntropy), R(r.TestCalibration),
            ];
            sb.AppendLine(string.Join(",", cells.Select(Quote)));
        }
        return sb.ToString();
    }

    private static List<string> Settings(IReadOnlyList<ExperimentRow> rows) => [.. rows.Select(r => r.Setting).Distinct()];

    private static string Hidden(ExperimentRow r) => r.Config.Hidden.Length == 0 ? "none" : string.Join("-", r.Config.Hidden);

    private static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, Inv) : "–";

    private static string R(double v) => double.IsFinite(v) ? v.ToString("R", Inv) : "";

    private static string R(float v) => float.IsFinite(v) ? v.ToString("R", Inv) : "";

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
}
