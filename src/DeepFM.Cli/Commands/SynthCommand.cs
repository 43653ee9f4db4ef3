using System.CommandLine;
using System.Globalization;
using DeepFM.Synthetic;

namespace DeepFM.Cli.Commands;

/// <summary><c>deepfm synth</c>: deterministic Criteo-format data with planted effects and a truth file.</summary>
internal static class SynthCommand
{
    public static Command Create(CliIO io)
    {
        var rows = new Option<long>("--rows") { Description = "Rows to generate.", DefaultValueFactory = _ => 1_000_000 };
        var seed = new Option<ulong>("--seed") { Description = "Seed (same seed → same bytes).", DefaultValueFactory = _ => 1UL };
        var output = new Option<string>("--out") { Description = "Output TSV (label, I1–I13, C1–C26).", Required = true };
        var truth = new Option<string?>("--truth") { Description = "Also write each row's true click probability, one per line." };
        var maxCard = new Option<int?>("--max-cardinality") { Description = "Cap on a categorical field's cardinality (default 1,000,000)." };
        var day = new Option<int>("--day") { Description = "Day of a drifting world: on each day after 0, --drift of every field's values get new tokens (for warm-start runs: day 0 and day 1 with different --seed)." };
        var drift = new Option<double?>("--drift") { Description = "Share of each field's values renewed per day (default 0.3)." };
        var worldSeed = new Option<ulong?>("--world-seed") { Description = "Seed of the world (effects, tokens); default --seed. Files with one world seed and different seeds are samples of one world." };
        var bags = new Option<bool>("--bags") { Description = "Instead: CSV rows label,user,item,tags with a planted multi-valued field (tags joined by '|'); train with --schema \"label=label;cat=user,item;multi=tags:|\"." };
        var command = new Command("synth", "Generate synthetic Criteo-format rows with planted order-1, -2 and -3 effects.") { rows, seed, output, truth, maxCard, day, drift, worldSeed, bags };
        command.SetAction(r =>
        {
            var options = new SynthOptions { Rows = r.GetValue(rows), Seed = r.GetValue(seed) };
            if (r.GetValue(maxCard) is int cap) options = options with { MaxCardinality = cap };
            options = options with { Day = r.GetValue(day), WorldSeed = r.GetValue(worldSeed) };
            if (r.GetValue(drift) is double rate) options = options with { DriftRate = rate };
            OutputPaths.CheckFile("--out", r.GetValue(output)!);
            if (r.GetValue(truth) is { } truthPath)
            {
                OutputPaths.CheckFile("--truth", truthPath);
                OutputPaths.CheckDistinct(("--out", r.GetValue(output)!), ("--truth", truthPath));
            }
            try { options.Validate(); }
            catch (ArgumentException e) { throw new UserInputException($"synth: {e.Message}"); }
            var summary = r.GetValue(bags)
                ? BagSynth.Generate(options.Rows, options.Seed, options.WorldSeed ?? options.Seed, r.GetValue(output)!, r.GetValue(truth))
                : CriteoSynth.Generate(options, r.GetValue(output)!, r.GetValue(truth));
            io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0}: {1:N0} rows, CTR {2:F4} (mean true probability {3:F4}), {4:F1} s",
                r.GetValue(output), summary.Rows, summary.Ctr, summary.MeanTrueProbability, summary.Elapsed.TotalSeconds));
            return 0;
        });
        return command;
    }
}
