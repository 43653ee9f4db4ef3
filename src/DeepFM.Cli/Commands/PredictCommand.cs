using System.CommandLine;
using System.Globalization;
using System.Text;
using DeepFM.Engine;
using DeepFM.Serialization;

namespace DeepFM.Cli.Commands;

/// <summary><c>deepfm predict</c>: one click probability per input row, in input order.</summary>
internal static class PredictCommand
{
    public static Command Create(CliIO io)
    {
        var model = new Option<string>("--model") { Description = "Saved model (.dfm).", Required = true };
        var data = new Option<string>("--data") { Description = "Rows to score, in the model's input format (the label column must be present; its value is ignored).", Required = true };
        var output = new Option<string?>("--out") { Description = "Output file: one probability per line, in input order (default: standard output)." };
        var skip = new Option<bool>("--skip-bad-lines") { Description = "Skip malformed lines (they get no output line, so the output no longer lines up with the input)." };
        var threads = ModelOptionSet.ThreadsOption("Threads (default: all cores).");
        var command = new Command("predict", "Write one click probability per input row, in input order.") { model, data, output, skip, threads };
        command.SetAction(r =>
        {
            string? outPath = r.GetValue(output);
            if (outPath is not null) OutputPaths.CheckFile("--out", outPath, ("--model", r.GetValue(model)), ("--data", r.GetValue(data)));
            var saved = ModelFile.Load(r.GetValue(model)!);
            var (probabilities, _) = EvaluateCommand.Score(saved, r.GetValue(data)!, r.GetValue(skip), withLabels: false, r.GetValue(threads));
            if (outPath is null)
            {
                Write(io.Out, probabilities);
                return 0;
            }
            DeepFM.IO.TempFiles.RemoveStale(outPath);
            string tmp = DeepFM.IO.TempFiles.NewPath(outPath);
            try
            {
                using (var writer = new StreamWriter(tmp, false, new UTF8Encoding(false), 1 << 16)) Write(writer, probabilities);
                File.Move(tmp, outPath, overwrite: true);
            }
            catch
            {
                try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                throw;
            }
            io.Err.WriteLine($"Wrote {probabilities.Length:N0} probabilities to {outPath}");
            return 0;
        });
        return command;
    }

    private static void Write(TextWriter w, float[] probabilities)
    {
        Span<char> buf = stackalloc char[32];
        foreach (float p in probabilities)
        {
            p.TryFormat(buf, out int n, "G7", CultureInfo.InvariantCulture);
            w.Write(buf[..n]);
            w.Write('\n');
        }
    }
}
