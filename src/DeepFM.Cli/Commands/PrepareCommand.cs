using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DeepFM.Data;
using DeepFM.Preparation;

namespace DeepFM.Cli.Commands;

/// <summary><c>deepfm prepare</c>: text → memory-mappable binary cache with the feature map built on the training rows.</summary>
internal static class PrepareCommand
{
    public static Command Create(CliIO io)
    {
        var data = new Option<string>("--data") { Description = "Raw data file.", Required = true };
        var output = new Option<string>("--out") { Description = "Cache file to write.", Required = true };
        var validFraction = new Option<double>("--valid-fraction") { Description = "Rows tagged for validation (excluded from vocabulary building).", DefaultValueFactory = _ => 0.1 };
        var testFraction = new Option<double>("--test-fraction") { Description = "Rows tagged for test.", DefaultValueFactory = _ => 0 };
        var seed = new Option<long>("--seed") { Description = "Seed of the random split (use the same with train).", DefaultValueFactory = _ => 2017 };
        var dataOptions = new DataOptionSet();
        var progressOption = new Option<bool>("--progress") { Description = "Show progress (bytes or rows done, rate, time left): a bar on a terminal (the default there), a line every 15 s in logs." };
        var command = new Command("prepare", "Parse a data file once into a compact binary cache that training reads memory-mapped.") { data, output, validFraction, testFraction, seed, progressOption };
        dataOptions.AddTo(command);
        command.SetAction(r =>
        {
            string dataPath = r.GetValue(data)!, outPath = r.GetValue(output)!;
            if (!File.Exists(dataPath)) throw new UserInputException($"{dataPath}: file not found.");
            OutputPaths.CheckFile("--out", outPath, ("--data", dataPath));
            var options = dataOptions.Bind(r, dataPath);
            var split = new SplitOptions { ValidFraction = r.GetValue(validFraction), TestFraction = r.GetValue(testFraction), Seed = r.GetValue(seed) };
            var clock = Stopwatch.StartNew();
            // Ctrl-C stops between chunks and deletes the spill and partial cache (a second Ctrl-C kills at once).
            using var cancel = TrainCommand.CancelOnCtrlC(io);
            var progress = r.GetValue(progressOption) || io.Interactive ? new PrepareProgressPrinter(io) : null;
            using var prepared = DataPipeline.Prepare(dataPath, outPath, options, split, cancel.Token, progress);
            progress?.Finish();
            clock.Stop();
            double mb = new FileInfo(dataPath).Length / 1e6;
            io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "{0}: {1:N0} rows ({2:N0} train, {3:N0} valid, {4:N0} test), {5} fields, {6:N0} features, {7:N0} lines skipped",
                outPath, prepared.Count, prepared.Train.Count, prepared.Valid.Count, prepared.Test.Count, prepared.FieldCount, prepared.FeatureMap.FeatureCount, prepared.SkippedLines));
            io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0:F1} MB of text in {1:F2} s: {2:F1} MB/s", mb, clock.Elapsed.TotalSeconds, mb / clock.Elapsed.TotalSeconds));
            return 0;
        });
        return command;
    }
}
