using System.CommandLine;
using DeepFM.Experiments;

namespace DeepFM.Cli.Commands;

/// <summary><c>deepfm study</c>: one hyper-parameter of Section 3.3 swept for several deep models (Figures 7–11).</summary>
internal static class StudyCommand
{
    public static Command Create(CliIO io)
    {
        var param = new Option<string>("--param") { Description = "Hyper-parameter to sweep: activation, dropout, neurons, layers or shape.", Required = true };
        var models = new Option<string>("--models") { Description = "Models: 'deep' (every registered model with a deep component), 'all', or a list such as deepfm,ipnn.", DefaultValueFactory = _ => "deep" };
        var values = new Option<string?>("--values") { Description = "Values to sweep, comma-separated (default: the paper's). Dropout values are the paper's KEEP probabilities (1.0,0.9,...,0.5 = drop rates 0,0.1,...,0.5); shapes: constant,increasing,decreasing,diamond." };
        var layers = new Option<int?>("--layers") { Description = "Hidden layers held fixed by the neurons and shape sweeps (default: the number of --hidden widths)." };
        var neurons = new Option<int?>("--neurons") { Description = "Neurons per layer held fixed by the layers sweep (default: the first --hidden width)." };
        var total = new Option<int?>("--total") { Description = "Total neurons held fixed by the shape sweep (default: the sum of --hidden; the paper's example is --layers 3 --total 600)." };
        var options = new ExperimentOptionSet();
        var command = new Command("study", "Sweep one hyper-parameter of the paper's Section 3.3 for several deep models on one split; "
            + "write results.md, results.csv, <param>-auc.png and <param>-logloss.png (Figures 7–11).");
        foreach (var o in new Option[] { param, models, values, layers, neurons, total }) command.Options.Add(o);
        options.AddTo(command);
        ExperimentConfig.AddOptions(command);
        command.SetAction(r =>
        {
            var p = Study.ParseParameter(r.GetValue(param)!);
            var names = PaperModels.Parse(r.GetValue(models), deepByDefault: true);
            var baseHidden = r.GetValue(options.ModelOptions.Hidden) is { } hidden ? ModelOptionSet.ParseHidden(hidden) : new DeepFM.Models.ModelConfig().Hidden;
            var defaults = StudySizes.From(baseHidden);
            var sizes = new StudySizes(r.GetValue(layers) ?? defaults.Layers, r.GetValue(neurons) ?? defaults.Neurons, r.GetValue(total) ?? defaults.Total);
            if (sizes.Layers < 1 || sizes.Neurons < 1 || sizes.Total < 1) throw new UserInputException("--layers, --neurons and --total must be positive.");
            var valueList = r.GetValue(values)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var sweep = Study.Values(p, valueList, sizes);
            var spec = options.BindData(r, io);
            var runs = Study.Plan(names, sweep, m => options.BindModel(r, m), m => options.BindTraining(r, m));
            string outDir = r.GetValue(options.Out) ?? $"deepfm-study-{Study.Name(p)}";
            var notes = new List<string>
            {
                $"Swept: {Study.Title(p).ToLowerInvariant()} over {string.Join(", ", sweep.Select(v => v.Label))} for {string.Join(", ", names.Select(PaperModels.Label))}; everything else as below.",
                p switch
                {
                    StudyParameter.Neurons => $"Hidden layers held at {sizes.Layers}.",
                    StudyParameter.Layers => $"Neurons per layer held at {sizes.Neurons}.",
                    StudyParameter.Shape => $"{sizes.Layers} hidden layers, {sizes.Total} neurons in all.",
                    _ => $"Hidden layers: {(baseHidden.Length == 0 ? "none" : string.Join("-", baseHidden))}.",
                },
                CompareCommand.Settings(runs),
            };
            var shallow = names.Where(n => !PaperModels.IsDeep(n)).ToList();
            if (shallow.Count > 0)
            {
                string line = $"{string.Join(", ", shallow.Select(PaperModels.Label))} {(shallow.Count == 1 ? "has" : "have")} no deep component: the sweep does not change {(shallow.Count == 1 ? "it" : "them")} (a flat reference line).";
                io.Err.WriteLine("note: " + line);
                notes.Add(line);
            }
            if (p != StudyParameter.Activation && !options.ActivationGiven(r) && names.Any(n => n.Equals("ipnn", StringComparison.OrdinalIgnoreCase)))
                notes.Add("Activation: tanh for IPNN, relu for the other deep models (the paper's setting; --activation overrides).");
            var info = new ExperimentInfo(ExperimentOptionSet.CommandLine(r), DateTimeOffset.UtcNow, options.ModelOptions.SeedOf(r), p)
            {
                Data = ExperimentOptionSet.DescribeData(spec),
                Notes = notes,
            };
            return options.Execute(r, io, spec, runs, info, outDir);
        });
        return command;
    }
}
