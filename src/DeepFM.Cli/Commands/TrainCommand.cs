using System.CommandLine;
using System.Globalization;
using DeepFM.Data;
using DeepFM.Distributed;
using DeepFM.Engine;
using DeepFM.Models;
using DeepFM.Pipeline;
using DeepFM.Serialization;
using DeepFM.Synthetic;

namespace DeepFM.Cli.Commands;

/// <summary><c>deepfm train</c>: prepare data, train one model with early stopping, report and save it.</summary>
internal static class TrainCommand
{
    /// <summary>Rows of the embedded default dataset used when <c>--data</c> is not given.</summary>
    public const long DefaultSynthRows = 300_000;

    public static Command Create(CliIO io) => Build(io).Command;

    /// <summary>The model and training settings <c>deepfm train</c> uses for <paramref name="args"/> (the arguments
    /// after <c>train</c>), bound by the same code as the command's own action; for tests.</summary>
    internal static (ModelConfig Config, Training.TrainOptions Training) ParseSettings(CliIO io, params string[] args)
    {
        var (command, modelOptions) = Build(io);
        var r = command.Parse(args);
        if (r.Errors.Count > 0) throw new UserInputException(string.Join("; ", r.Errors.Select(e => e.Message)));
        return BindSettings(r, modelOptions);
    }

    private static (ModelConfig Config, Training.TrainOptions Training) BindSettings(ParseResult r, ModelOptionSet modelOptions)
    {
        string modelName = modelOptions.ModelOf(r);
        return (modelOptions.BindModel(r, modelName), modelOptions.BindTraining(r, modelName));
    }

    private static (Command Command, ModelOptionSet ModelOptions) Build(CliIO io)
    {
        var data = new Option<string?>("--data") { Description = "Training data (raw file or a cache from 'deepfm prepare'). Without it, an embedded synthetic Criteo-format dataset is generated." };
        var valid = new Option<string?>("--valid") { Description = "Separate validation file (otherwise --valid-fraction of --data)." };
        var test = new Option<string?>("--test") { Description = "Separate test file (otherwise --test-fraction of --data)." };
        var validFraction = new Option<double?>("--valid-fraction") { Description = "Fraction of --data held out for validation (default: the preset's, 0.1; 0 for --preset paper)." };
        var testFraction = new Option<double?>("--test-fraction") { Description = "Fraction of --data held out for testing (default 0; 0.1 for the embedded dataset)." };
        var output = new Option<string?>("--out") { Description = "Where to save the trained model (.dfm)." };
        var threads = ModelOptionSet.ThreadsOption("Threads for the numeric kernels (default: all cores). Results do not depend on it.");
        var quiet = new Option<bool>("--quiet") { Description = "No progress output." };
        var distributed = new Option<string>("--distributed")
        {
            Description = "none, or mpi: this process is one rank of a data-parallel job started by Open MPI's mpirun (mpirun -np 4 deepfm train ... --distributed mpi); rank 0 prints and saves. See docs/distributed.md.",
            DefaultValueFactory = _ => "none",
        };
        distributed.AcceptOnlyFromAmong("none", "mpi");
        var dataOptions = new DataOptionSet();
        var modelOptions = new ModelOptionSet();
        var command = new Command("train", "Train a model (DeepFM by default) and report validation/test AUC and logloss.");
        foreach (var o in new Option[] { data, valid, test, validFraction, testFraction, output, threads, quiet, distributed }) command.Options.Add(o);
        dataOptions.AddTo(command);
        modelOptions.AddTo(command);
        var initFrom = new Option<string?>("--init-from") { Description = "Warm start: continue training this model (.dfm) on --data, with its configuration and feature map (values it has not seen go to their field's OOV id, unless --extend-vocab)." };
        var extendVocab = new Option<bool>("--extend-vocab") { Description = "With --init-from: grow the model's vocabularies by the new data's values (kept at --min-count); new rows start as a new model's would, old rows keep their weights." };
        command.Options.Add(initFrom);
        command.Options.Add(extendVocab);
        var checkpointOptions = new CheckpointOptionSet();
        checkpointOptions.AddTo(command);
        ExperimentConfig.AddOptions(command);
        var runDirOption = new Option<string?>("--run-dir") { Description = "Folder for the run's record: config.yaml, history.csv, learning-curve.png, summary.json, and the model when --out is not given (default: next to --out, <out>.run)." };
        command.Options.Add(runDirOption);
        var jsonOption = new Option<bool>("--json") { Description = "Print the results as one JSON object (the run's summary.json) instead of text." };
        command.Options.Add(jsonOption);
        command.SetAction(r =>
        {
            if (r.GetValue(checkpointOptions.Resume) is not { } resumeDir) return Dispatch(r, null, null);
            var (checkpoint, args) = ResumeArguments(io, command, r, checkpointOptions, resumeDir);
            var again = command.Parse(args);
            if (again.Errors.Count > 0)
                throw new UserInputException($"{checkpoint.Path}: the run's recorded arguments no longer parse: {string.Join("; ", again.Errors.Select(e => e.Message))}");
            return Dispatch(again, checkpoint, resumeDir);
        });

        int Dispatch(ParseResult r, Checkpoint? resume, string? resumeDir) => r.GetValue(distributed) == "mpi"
            ? MpiSession.Run(io, (rankIo, comm) => Run(r, rankIo, comm, resume, resumeDir))
            : Run(r, io, null, resume, resumeDir);

        // comm: the ranks of a data-parallel run (null: one process).
        int Run(ParseResult r, CliIO io, ICommunicator? comm, Checkpoint? resume, string? resumeDir)
        {
            // Rank 0 generates and prepares the data first; the others then find the cache ready (one barrier each).
            if (comm is { Rank: > 0 }) comm.Barrier();
            string? checkpointDir = resumeDir ?? r.GetValue(checkpointOptions.Directory);
            string? every = r.GetValue(checkpointOptions.Every);
            if (checkpointDir is null && every is not null) throw new UserInputException("--checkpoint-every needs --checkpoint-dir (where to write them).");
            var schedule = CheckpointOptionSet.ParseSchedule(every);   // a bad value fails before any data is read
            string? dataPath = r.GetValue(data);
            double? testShare = r.GetValue(testFraction);
            if (dataPath is null)
            {
                dataPath = EnsureDefaultDataset(io);
                testShare ??= 0.1;
            }
            var spec = new DataSpec
            {
                Train = dataPath,
                Valid = r.GetValue(valid),
                Test = r.GetValue(test),
                Options = dataOptions.Bind(r, dataPath),
                Split = new SplitOptions { ValidFraction = r.GetValue(validFraction) ?? modelOptions.PresetOf(r).ValidFraction, TestFraction = testShare ?? 0, Seed = modelOptions.SeedOf(r) },
                CacheDir = r.GetValue(dataOptions.CacheDir),
                SplitGiven = r.GetResult(validFraction) is { Implicit: false } || r.GetResult(testFraction) is { Implicit: false },
                Progress = r.GetValue(quiet) || comm is { Rank: > 0 } ? null : new PrepareProgressPrinter(io),
            };
            SavedModel? warm = null;
            int[]? oldToNew = null;
            string? initPath = r.GetValue(initFrom);
            if (initPath is null && r.GetValue(extendVocab)) throw new UserInputException("--extend-vocab needs --init-from (the model whose vocabularies it grows).");
            if (initPath is not null)
            {
                if (modelOptions.ModelShapeOptions.FirstOrDefault(o => r.GetResult(o) is { Implicit: false }) is { } shape)
                    throw new UserInputException($"--init-from continues a model with its own configuration, so {shape.Name} cannot be given with it.");
                warm = ModelFile.Load(initPath);
                var map = warm.FeatureMap;
                if (resume is not null) map = resume.Saved.FeatureMap;   // the map the run was started with (extended or not)
                else if (r.GetValue(extendVocab))
                {
                    io.Err.WriteLine($"Counting the values of {spec.Train} to extend {initPath}'s vocabularies ...");
                    var added = Preparation.DataPipeline.CountVocabulary(spec.Train, map, spec.Options.MinCount, spec.Split, spec.Options.SkipBadLines);
                    map = map.ExtendWith(added, out oldToNew);
                    io.Err.WriteLine(string.Format(CultureInfo.InvariantCulture, "Vocabulary: {0:N0} features, {1:N0} new", map.FeatureCount, map.FeatureCount - warm.FeatureMap.FeatureCount));
                }
                spec = spec with { FeatureMap = map };
            }
            var (config, training) = warm is null ? BindSettings(r, modelOptions) : (warm.Model.Config, modelOptions.BindTraining(r, warm.Model.Config.Model));
            training = training with { Threads = r.GetValue(threads) is 0 && comm is not null ? MpiSession.DefaultThreads() : r.GetValue(threads) };
            string? outPath = r.GetValue(output);
            if (outPath is not null) OutputPaths.CheckFile("--out", outPath, ("--data", spec.Train), ("--valid", spec.Valid), ("--test", spec.Test));
            if (r.GetValue(runDirOption) is { } givenRunDir && comm is not { Rank: > 0 }) OutputPaths.CheckFolder("--run-dir", givenRunDir);

            using var cancel = CancelOnCtrlC(io);
            io.Err.WriteLine($"Preparing {spec.Train} ({spec.Options.Format}) ...");
            using var splits = DataLoader.Load(spec);
            (spec.Progress as PrepareProgressPrinter)?.Finish();
            if (comm is { Rank: 0 }) comm.Barrier();
            if (comm is not null) io.Err.WriteLine($"Distributed: {comm.Size} ranks (Open MPI), each training {training.BatchSize / comm.Size:N0}-{(training.BatchSize + comm.Size - 1) / comm.Size:N0} rows of every batch of {training.BatchSize:N0}."
                + (MpiCommunicator.UnderMpirun ? "" : " Not started by mpirun: start N ranks with mpirun -np N deepfm train ... --distributed mpi."));
            io.Err.WriteLine(string.Format(CultureInfo.InvariantCulture, "Data: {0:N0} train, {1:N0} valid, {2:N0} test rows; {3} fields, {4:N0} features{5}",
                splits.Train.Count, splits.Valid?.Count ?? 0, splits.Test?.Count ?? 0, splits.FeatureMap.FieldCount, splits.FeatureMap.FeatureCount,
                splits.PrepareTime > TimeSpan.Zero ? $" (prepared in {splits.PrepareTime.TotalSeconds:F1} s)" : " (cached)"));
            if (splits.Valid is null) io.Err.WriteLine("No validation rows: training runs all epochs without early stopping.");
            CheckpointWriter? checkpoints = null;
            if (checkpointDir is not null && comm is not { Rank: > 0 })   // rank 0 alone writes checkpoints
            {
                var resolved = resume?.Options ?? training.ResolveFor(config.Model);
                var run = new TrainRunRecord(Environment.CurrentDirectory, RecordedArguments(r));
                var identity = ModelTrainer.IdentityOf(splits, dataPath, run.ToJson());
                bool quietRun = r.GetValue(quiet);
                checkpoints = new CheckpointWriter(checkpointDir, splits.FeatureMap, resolved, identity, schedule, r.GetValue(checkpointOptions.Keep))
                {
                    Written = path => { if (!quietRun) io.Err.WriteLine($"checkpoint {path}"); },
                };
            }
            if (resume is not null)
                io.Err.WriteLine(string.Format(CultureInfo.InvariantCulture, "Resuming from {0}: epoch {1}, step {2:N0}{3}", resume.Path, resume.State.Epoch, resume.State.Step,
                    resume.State.EpochFinished ? " (epoch finished)" : $" ({resume.State.EpochPosition:N0} of {splits.Train.Count:N0} rows of the epoch done)"));
            var reducer = comm is null ? null : new MpiGradientReducer(comm);
            var progress = new ConsoleProgress(io, resume?.Saved.Model.Config.Model ?? config.Model, r.GetValue(quiet));
            if (warm is not null && resume is null) io.Err.WriteLine($"Warm start from {initPath} ({config.Model}, trained on {warm.Metadata.TrainRows:N0} rows)");
            var trained = warm is not null && resume is null
                ? ModelTrainer.ContinueTraining(splits, warm, oldToNew, training, progress, cancel.Token, dataPath, checkpoints, reducer)
                : ModelTrainer.Train(splits, config, training, progress, cancel.Token, dataPath, checkpoints, resume, reducer);
            config = trained.Saved.Model.Config;
            var t = trained.Training;
            // --json: stdout holds one JSON object (the run's summary) and nothing else.
            bool json = r.GetValue(jsonOption);
            var human = json ? TextWriter.Null : io.Out;
            human.WriteLine(string.Format(CultureInfo.InvariantCulture, "model      {0} ({1:N0} parameters)", config.Model, trained.Saved.Model.ParameterCount()));
            human.WriteLine(string.Format(CultureInfo.InvariantCulture, "training   {0} epochs{1}, best epoch {2}, {3:F1} s, {4:N0} rows/s",
                t.Epochs, t.Cancelled ? " (cancelled)" : t.StoppedEarly ? " (early stop)" : "", t.BestEpoch, t.TrainTime.TotalSeconds, t.RowsPerSecond));
            if (trained.Valid is { } v) human.WriteLine(string.Format(CultureInfo.InvariantCulture, "valid      AUC {0:F5}  logloss {1:F5}  NE {2:F4}  calibration {3:F3}  ({4:N0} rows)", v.Auc, v.Logloss, v.NormalizedEntropy, v.CalibrationRatio, v.Rows));
            if (trained.Test is { } s) human.WriteLine(string.Format(CultureInfo.InvariantCulture, "test       AUC {0:F5}  logloss {1:F5}  NE {2:F4}  calibration {3:F3}  ({4:N0} rows)", s.Auc, s.Logloss, s.NormalizedEntropy, s.CalibrationRatio, s.Rows));
            if (comm is not null) MpiSession.CheckReplicas(json ? io with { Out = TextWriter.Null } : io, comm, trained.Saved.Model);
            if (outPath is not null && comm is not { Rank: > 0 })
            {
                ModelFile.Save(outPath, trained.Saved);
                human.WriteLine($"saved      {outPath}");
            }
            string? runDir = r.GetValue(runDirOption) ?? (outPath is null ? null : Path.ChangeExtension(outPath, null) + ".run");
            if (runDir is not null && comm is not { Rank: > 0 })
            {
                RunFolder.Write(runDir, r, trained, outPath, RecordedArguments(r), new DeepFM.Charts.ScottPlotChartRenderer());
                human.WriteLine($"run        {runDir} (config.yaml, history.csv, learning-curve.png, summary.json)");
            }
            if (json && comm is not { Rank: > 0 }) io.Out.Write(RunFolder.Summary(trained, outPath is null ? null : Path.GetFullPath(outPath), RecordedArguments(r)));
            return t.Cancelled ? 130 : 0;
        }

        return (command, modelOptions);
    }

    /// <summary>Options that may be given with <c>--resume</c>: they change neither the data nor the results.</summary>
    private static readonly string[] ResumeOverrides = ["--threads", "--quiet", "--out"];

    /// <summary>The newest valid checkpoint of <paramref name="resumeDir"/> and the arguments to continue its run with:
    /// those it was started with, where the ones <paramref name="r"/> gives replace theirs. Moves to the run's working
    /// folder, so that its relative paths mean what they meant.</summary>
    private static (Checkpoint Checkpoint, string[] Args) ResumeArguments(CliIO io, Command command, ParseResult r, CheckpointOptionSet options, string resumeDir)
    {
        var given = r.CommandResult.Children.OfType<System.CommandLine.Parsing.OptionResult>()
            .Where(o => !o.Implicit && o.Option.Name != options.Resume.Name).Select(o => o.Option.Name).ToList();
        if (given.FirstOrDefault(n => !ResumeOverrides.Contains(n)) is { } bad)
            throw new UserInputException($"--resume continues a run with the data and settings it was started with, so {bad} cannot be given with it (only {string.Join(", ", ResumeOverrides)}).");
        string dir = Path.GetFullPath(resumeDir);
        var checkpoint = Checkpoint.LoadNewestValid(dir, io.Err.WriteLine)
            ?? throw new UserInputException($"{dir}: no valid checkpoint to resume from.");
        var record = TrainRunRecord.FromJson(checkpoint.Data.Run)
            ?? throw new UserInputException($"{checkpoint.Path}: was not written by 'deepfm train', so the tool does not know its data; continue it with the library (Checkpoint.Load, Trainer.Fit).");
        if (!Directory.Exists(record.WorkingDirectory))
            throw new UserInputException($"{checkpoint.Path}: the run's working folder {record.WorkingDirectory} no longer exists, so its relative paths cannot be resolved.");

        var args = new List<string>();
        for (int i = 0; i < record.Args.Length; i++)
        {
            string a = record.Args[i];
            string? name = given.FirstOrDefault(n => a == n || a.StartsWith(n + "=", StringComparison.Ordinal) || a.StartsWith(n + ":", StringComparison.Ordinal));
            if (name is null) { args.Add(a); continue; }
            if (a == name && name != "--quiet" && i + 1 < record.Args.Length) i++;   // its value too
        }
        foreach (string name in given)
        {
            var o = command.Options.First(x => x.Name == name);
            args.Add(name);
            if (name == "--quiet") continue;
            string value = r.GetResult(o)!.Tokens[0].Value;
            args.Add(name == "--out" ? Path.GetFullPath(value) : value);
        }
        Directory.SetCurrentDirectory(record.WorkingDirectory);
        return (checkpoint, args.ToArray());
    }

    /// <summary>The arguments <paramref name="r"/> was parsed from (after the command name).</summary>
    private static string[] RecordedArguments(ParseResult r) =>
        r.Tokens.Where(t => t.Type != System.CommandLine.Parsing.TokenType.Command).Select(t => t.Value).ToArray();

    /// <summary>Generates (once) the embedded default dataset: synthetic Criteo-format rows with a truth file.</summary>
    public static string EnsureDefaultDataset(CliIO io)
    {
        string dir = Path.Combine(DataLoader.DefaultCacheDir(), "default");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"synth-{DefaultSynthRows}-seed1.tsv");
        if (!File.Exists(path))
        {
            io.Err.WriteLine($"No --data given: generating the embedded default dataset ({DefaultSynthRows:N0} synthetic Criteo-format rows) at {path} ...");
            CriteoSynth.Generate(new SynthOptions { Rows = DefaultSynthRows, Seed = 1 }, path, Path.ChangeExtension(path, ".truth"));
        }
        return path;
    }

    /// <summary>Ctrl-C cancels the run gracefully (finished work is kept); a second Ctrl-C kills the process.</summary>
    public static CancellationTokenSource CancelOnCtrlC(CliIO io)
    {
        var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (cts.IsCancellationRequested) return;
            e.Cancel = true;
            io.Err.WriteLine();
            io.Err.WriteLine("Stopping after the current step (Ctrl-C again to abort) ...");
            cts.Cancel();
        };
        return cts;
    }
}
