using System.CommandLine;
using DeepFM.Cli.Commands;

namespace DeepFM.Cli;

/// <summary>Entry point of the <c>deepfm</c> tool.</summary>
public static class CliApp
{
    /// <summary>Parses and runs one command; returns the process exit code (0 ok, 1 user error, 2 usage error).</summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var output = stdout ?? Console.Out;
        var errors = stderr ?? Console.Error;
        // A root named "deepfm", not RootCommand (which takes the executable's name, DeepFM.Cli under dotnet), so usage
        // lines say what users type; its --help and --version are added as RootCommand would.
        var root = new Command("deepfm", "DeepFM: CTR prediction with DeepFM and the models of Guo et al. (IJCAI 2017).");
        root.Options.Add(new System.CommandLine.Help.HelpOption());
        root.Options.Add(new VersionOption());
        var io = new CliIO(output, errors);
        root.Subcommands.Add(TrainCommand.Create(io));
        root.Subcommands.Add(EvaluateCommand.Create(io));
        root.Subcommands.Add(PredictCommand.Create(io));
        root.Subcommands.Add(PrepareCommand.Create(io));
        root.Subcommands.Add(SynthCommand.Create(io));
        root.Subcommands.Add(ModelsCommand.Create(io));
        root.Subcommands.Add(CompareCommand.Create(io));
        root.Subcommands.Add(StudyCommand.Create(io));
        root.Subcommands.Add(TuneCommand.Create(io));
        root.Subcommands.Add(ServeCommand.Create(io));
        root.Subcommands.Add(ExportCommand.Create(io));
        root.Subcommands.Add(MpiCheckCommand.Create(io));
        var config = new InvocationConfiguration { Output = output, Error = errors, EnableDefaultExceptionHandler = false };
        try
        {
            // Experiment files expand into arguments before parsing, so every option keeps one parser and one set of checks.
            if (args.Length > 0 && args[0] is "train" or "compare" or "study" && root.Subcommands.FirstOrDefault(c => c.Name == args[0]) is { } experimentCommand)
                args = [args[0], .. ExperimentConfig.Expand(experimentCommand, args[1..])];
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                // The mistake in one line and where to read more, not the whole help page (which buries the message).
                foreach (var error in parsed.Errors) errors.WriteLine($"deepfm: error: {error.Message}");
                errors.WriteLine($"see {CommandPath(parsed.CommandResult)} --help");
                return 2;
            }
            if (parsed.CommandResult.Command.Options.Any(o => o.Name == ExperimentConfig.PrintOption) && parsed.GetValue<bool>(ExperimentConfig.PrintOption))
            {
                output.Write(ExperimentConfig.Effective(parsed));
                return 0;
            }
            return parsed.Invoke(config);
        }
        catch (UserInputException e)
        {
            errors.WriteLine($"deepfm: error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unwritable output paths, missing folders, full disks: the user's environment, not a bug.
            errors.WriteLine($"deepfm: error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            errors.WriteLine("deepfm: cancelled.");
            return 130;
        }
    }

    /// <summary>"deepfm train" for the train command's result: the names from the root down.</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (System.CommandLine.Parsing.SymbolResult? r = result; r is not null; r = r.Parent)
            if (r is System.CommandLine.Parsing.CommandResult c) names.Add(c.Parent is null ? "deepfm" : c.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }
}
