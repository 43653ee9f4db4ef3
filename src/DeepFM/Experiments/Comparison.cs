using DeepFM.Models;
using DeepFM.Pipeline;
using DeepFM.Training;

namespace DeepFM.Experiments;

/// <summary>
/// The paper's model comparison (Table 2, Figure 6): every model trained under one protocol, on the same split loaded once,
/// with the same seed and early stopping on validation AUC; test AUC/logloss, training time and time relative to LR.
/// </summary>
public static class Comparison
{
    /// <summary>One run per model, with its configuration and training settings; with several
    /// <paramref name="seeds"/>, one run per model and seed (all models for the first seed, then the next), the seed
    /// replacing the configuration's for initialisation, dropout and shuffling, and <see cref="ExperimentRun.Setting"/>
    /// naming it (<c>seed 2018</c>).</summary>
    public static IReadOnlyList<ExperimentRun> Plan(IReadOnlyList<string> models, Func<string, ModelConfig> config, Func<string, TrainOptions> training,
        IReadOnlyList<long>? seeds = null)
    {
        if (seeds is null || seeds.Count <= 1) return [.. models.Select(m => new ExperimentRun(m, "", config(m), training(m)))];
        return [.. seeds.SelectMany(s => models.Select(m =>
            new ExperimentRun(m, SeedSetting(s), config(m) with { Seed = s }, training(m) with { Seed = s })))];
    }

    /// <summary>The setting label of a seed's runs.</summary>
    public static string SeedSetting(long seed) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"seed {seed}");

    /// <summary>Per-model means and standard deviations over the seeds of a multi-seed comparison, in run order.</summary>
    public static IReadOnlyList<SeedSummary> Summarize(ExperimentResult result)
    {
        var rows = result.Rows;
        var lr = rows.Where(r => string.Equals(r.Model, "lr", StringComparison.OrdinalIgnoreCase)).Select(r => r.TrainSeconds).ToList();
        var first = rows.FirstOrDefault();
        double baseline = lr.Count > 0 ? Stats(lr).Mean : first is null ? double.NaN : Stats(rows.Where(r => r.Model == first.Model).Select(r => r.TrainSeconds)).Mean;
        // Which model has the highest test AUC for each seed (ties: the earlier model).
        var wins = rows.Where(r => r.Failure is null).GroupBy(r => r.Config.Seed).Select(g => g.OrderByDescending(r => r.TestAuc).First().Model).ToList();
        return [.. rows.GroupBy(r => r.Model).Select(g =>
        {
            var list = g.ToList();
            double seconds = Stats(list.Select(r => r.TrainSeconds)).Mean;
            return new SeedSummary(g.Key, list[0].Label, list.Count(r => r.Failure is null), Stats(list.Select(r => r.TestAuc)), Stats(list.Select(r => r.TestLogloss)),
                Stats(list.Select(r => r.ValidAuc)), seconds, seconds / baseline, wins.Count(w => w == g.Key));
        })];
    }

    private static (double Mean, double Sd) Stats(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).ToArray();
        if (v.Length == 0) return (double.NaN, double.NaN);
        double mean = v.Average();
        double sd = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
        return (mean, sd);
    }

    /// <summary>Loads <paramref name="data"/> once and trains every run on it (see <see cref="ExperimentRunner.Run"/>).</summary>
    public static ExperimentResult Run(DataSpec data, IReadOnlyList<ExperimentRun> runs, IExperimentObserver? observer = null, CancellationToken cancel = default) =>
        Experiment.Run(data, runs, observer, cancel);
}
