using System.CommandLine;
using System.Globalization;
using DeepFM.Charts;
using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Experiments;
using DeepFM.Layers;
using DeepFM.Models;
using DeepFM.Pipeline;
using DeepFM.Training;

namespace DeepFM.Cli.Commands;

/// <summary>Options and plumbing shared by <c>compare</c> and <c>study</c>: data, model, output and progress.</summary>
internal sealed class ExperimentOptionSet
{
    public Option<string?> Data { get; } = new("--data", "--train") { Description = "Training data (raw file or a cache from 'deepfm prepare'); without --valid/--test, a seeded split of it. Without it, the embedded synthetic dataset." };
    public Option<string?> Valid { get; } = new("--valid") { Description = "Separate validation file (otherwise --valid-fraction of --data)." };
    public Option<string?> Test { get; } = new("--test") { Description = "Separate test file (otherwise --test-fraction of --data)." };
    public Option<double?> ValidFraction { get; } = new("--valid-fraction") { Description = "Fraction of --data held out for validation (default: the preset's, 0.1; 0 for --preset paper)." };
    public Option<double?> TestFraction { get; } = new("--test-fraction") { Description = "Fraction of --data held out for testing (default 0.1)." };
    public Option<string?> Out { get; } = new("--out") { Description = "Folder for results.md, results.csv and the PNG charts." };
    public Option<int> Threads { get; } = ModelOptionSet.ThreadsOption("Threads for the numeric kernels (default: all cores). Results do not depend on it.");
    public Option<bool> Quiet { get; } = new("--quiet") { Description = "No per-step progress (one line per model is still printed)." };
    public DataOptionSet DataOptions { get; } = new();
    public ModelOptionSet ModelOptions { get; } = new();

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Data, Valid, Test, ValidFraction, TestFraction, Out, Threads, Quiet }) command.Options.Add(o);
        DataOptions.AddTo(command);
        ModelOptions.AddTo(command, includeModel: false);
    }

    public DataSpec BindData(ParseResult r, CliIO io)
    {
        string dataPath = r.GetValue(Data) ?? TrainCommand.EnsureDefaultDataset(io);
        return new DataSpec
        {
            Train = dataPath,
            Valid = r.GetValue(Valid),
            Test = r.GetValue(Test),
            Options = DataOptions.Bind(r, dataPath),
            Split = new SplitOptions { ValidFraction = r.GetValue(ValidFraction) ?? ModelOptions.PresetOf(r).ValidFraction, TestFraction = r.GetValue(TestFraction) ?? 0.1, Seed = ModelOptions.SeedOf(r) },
            CacheDir = r.GetValue(DataOptions.CacheDir),
            SplitGiven = r.GetResult(ValidFraction) is { Implicit: false } || r.GetResult(TestFraction) is { Implicit: false },
        };
    }

    /// <summary>The paper's per-model activation (tanh for IPNN, relu for the rest) applies unless --activation is given.</summary>
    public bool ActivationGiven(ParseResult r) => r.GetResult(ModelOptions.Activation) is { Implicit: false };

    public ModelConfig BindModel(ParseResult r, string model)
    {
        var config = ModelOptions.BindModel(r, model);
        if (!ActivationGiven(r) && string.Equals(model, "ipnn", StringComparison.OrdinalIgnoreCase))
            config = config with { Activation = ActivationKind.Tanh };
        return config;
    }

    public TrainOptions BindTraining(ParseResult r, string model) => ModelOptions.BindTraining(r, model) with { Threads = r.GetValue(Threads) };

    public static string DescribeData(DataSpec spec) =>
        spec.Valid is null && spec.Test is null
            ? string.Format(CultureInfo.InvariantCulture, "{0} ({1}), seeded split {2:0.###} valid / {3:0.###} test", Path.GetFileName(spec.Train), spec.Options.Format, spec.Split.ValidFraction, spec.Split.TestFraction)
            : $"train {Path.GetFileName(spec.Train)}, valid {(spec.Valid is null ? $"{spec.Split.ValidFraction:0.###} of train" : Path.GetFileName(spec.Valid))}, test {(spec.Test is null ? $"{spec.Split.TestFraction:0.###} of train" : Path.GetFileName(spec.Test))} ({spec.Options.Format})";

    /// <summary>The command line as typed (re-quoted where needed).</summary>
    public static string CommandLine(ParseResult r) =>
        "deepfm " + string.Join(" ", r.Tokens.Select(t => Quote(t.Value)));

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || "-_.,/=:+@%".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";

    /// <summary>Loads the data once, runs the plan with progress on stderr, writes the files (after every finished run too) and prints the table.</summary>
    public int Execute(ParseResult r, CliIO io, DataSpec spec, IReadOnlyList<ExperimentRun> runs, ExperimentInfo info, string outDir)
    {
        using var cancel = TrainCommand.CancelOnCtrlC(io);
        OutputPaths.CheckFolder("--out", outDir);   // before any training: a file, a read-only or uncreatable folder
        io.Err.WriteLine($"Preparing {spec.Train} ({spec.Options.Format}) ...");
        var observer = new CliExperimentObserver(io, outDir, info, r.GetValue(Quiet), runs);
        var result = Experiment.Run(spec, runs, observer, cancel.Token);
        var files = ResultWriter.WriteAll(outDir, result, info, new ScottPlotChartRenderer());
        if (info.Parameter is null && ResultWriter.IsMultiSeed(result)) io.Out.Write(ResultWriter.SeedSummaryTable(result));
        else io.Out.Write(ResultWriter.MarkdownTable(result, info));
        if (result.Cancelled)
            io.Out.WriteLine($"cancelled: {result.Rows.Count} of {runs.Count} runs finished");
        foreach (var f in files) io.Out.WriteLine($"wrote      {f}");
        return result.Cancelled ? 130 : 0;
    }
}
