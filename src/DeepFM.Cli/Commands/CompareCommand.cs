using System.CommandLine;
using DeepFM.Experiments;
using DeepFM.Models;

namespace DeepFM.Cli.Commands;

/// <summary><c>deepfm compare</c>: the paper's model comparison (Table 2) with training time relative to LR (Figure 6).</summary>
internal static class CompareCommand
{
    public static Command Create(CliIO io)
    {
        var models = new Option<string>("--models") { Description = "Models to compare: 'all' (every registered model, in the paper's order) or a list such as lr,fm,deepfm.", DefaultValueFactory = _ => "all" };
        var seeds = new Option<int>("--seeds")
        {
            Description = "Run every model with N seeds (--seed, --seed+1, …) and report mean ± standard deviation per model; the data split stays that of --seed.",
            DefaultValueFactory = _ => 1,
        };
        seeds.Validators.Add(v =>
        {
            if (v.GetValueOrDefault<int>() < 1) v.AddError("--seeds must be at least 1.");
        });
        var options = new ExperimentOptionSet();
        var command = new Command("compare", "Train several models under one protocol (same split and seed, early stopping on validation AUC); "
            + "write results.md, results.csv, auc.png, logloss.png and training-time.png (Table 2 and Figure 6 of the paper).");
        command.Options.Add(models);
        command.Options.Add(seeds);
        options.AddTo(command);
        ExperimentConfig.AddOptions(command);
        command.SetAction(r =>
        {
            var names = PaperModels.Parse(r.GetValue(models));
            var spec = options.BindData(r, io);
            long seed0 = options.ModelOptions.SeedOf(r);
            int n = r.GetValue(seeds);
            var runs = Comparison.Plan(names, m => options.BindModel(r, m), m => options.BindTraining(r, m),
                [.. Enumerable.Range(0, n).Select(i => seed0 + i)]);
            string outDir = r.GetValue(options.Out) ?? "deepfm-compare";
            var notes = new List<string>
            {
                $"Models: {string.Join(", ", names.Select(PaperModels.Label))}; training time is relative to {(names.Any(n => n.Equals("lr", StringComparison.OrdinalIgnoreCase)) ? "LR" : PaperModels.Label(names[0]) + " (LR did not run)")}, as in Figure 6.",
                Settings(runs),
            };
            if (n > 1)
                notes.Add($"Seeds: {n} ({seed0}–{seed0 + n - 1}) for initialisation, dropout and shuffling; the split of --data (if any) is that of seed {seed0}.");
            if (!options.ActivationGiven(r) && names.Any(n => n.Equals("ipnn", StringComparison.OrdinalIgnoreCase)))
                notes.Add("Activation: tanh for IPNN, relu for the other deep models (the paper's setting; --activation overrides).");
            var info = new ExperimentInfo(ExperimentOptionSet.CommandLine(r), DateTimeOffset.UtcNow, options.ModelOptions.SeedOf(r))
            {
                Data = ExperimentOptionSet.DescribeData(spec),
                Notes = notes,
            };
            return options.Execute(r, io, spec, runs, info, outDir);
        });
        return command;
    }

    /// <summary>One line of the shared settings and the per-model optimizers.</summary>
    internal static string Settings(IReadOnlyList<ExperimentRun> runs)
    {
        var c = runs[0].Config;
        var t = runs[0].Training;
        var optimizers = runs.GroupBy(r => $"{r.Training.Optimizer} (lr {r.Training.LearningRate:G3})")
            .Select(g => $"{g.Key} for {string.Join(", ", g.Select(r => r.Model).Distinct())}");
        return FormattableString.Invariant(
            $"Settings: embedding size {c.EmbeddingSize}, hidden {(c.Hidden.Length == 0 ? "none" : string.Join("-", c.Hidden))}, drop rate {c.Dropout:0.###} (keep {1 - c.Dropout:0.###}), batch norm {(c.BatchNorm ? "on" : "off")}, batch size {t.BatchSize}, at most {t.Epochs} epochs, patience {t.Patience}; optimizer {string.Join("; ", optimizers)}.");
    }
}
