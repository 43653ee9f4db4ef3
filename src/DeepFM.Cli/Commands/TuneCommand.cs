using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DeepFM.Cli.Commands;

/// <summary>
/// <c>deepfm tune</c>: a budgeted search for <c>train</c> settings on validation AUC. Trials are drawn at random from a
/// declared space (seeded, so the same command draws the same trials) and raced by successive halving: every trial
/// trains for <c>--min-epochs</c>, the best 1/<c>--eta</c> go on with <c>--eta</c> times the epochs, and so on up to
/// <c>--max-epochs</c>. Each training is an ordinary <c>deepfm train</c> with its own run folder; results go to
/// <c>trials.csv</c> as they finish, so a stopped search run again with the same arguments resumes where it was.
/// Writes <c>results.md</c>, <c>tune-auc.png</c> and <c>best.yaml</c> (the best settings, for <c>train --config</c>).
/// Every argument the command does not know is a <c>train</c> option fixed for all trials.
/// </summary>
internal static class TuneCommand
{
    public static Command Create(CliIO io)
    {
        var trials = new Option<int>("--trials") { Description = "Trials drawn from the space (the first rung trains all of them).", DefaultValueFactory = _ => 30 };
        var space = new Option<string?>("--space") { Description = "Search space (YAML/JSON): train option → list of choices, or {low, high[, log: true][, int: true]}. Default: lr, embedding-size, l2-embedding, dropout, batch-norm, hidden." };
        var dir = new Option<string>("--tune-dir") { Description = "Folder for trials.csv, the trials' run folders, results.md, tune-auc.png and best.yaml.", DefaultValueFactory = _ => "deepfm-tune" };
        var minEpochs = new Option<int>("--min-epochs") { Description = "Epochs of the first rung.", DefaultValueFactory = _ => 1 };
        var maxEpochs = new Option<int>("--max-epochs") { Description = "Most epochs of the last rung.", DefaultValueFactory = _ => 9 };
        var eta = new Option<int>("--eta") { Description = "Successive-halving factor: 1/eta of the trials go on to eta times the epochs.", DefaultValueFactory = _ => 3 };
        var searchSeed = new Option<int>("--search-seed") { Description = "Seed of the trial draws.", DefaultValueFactory = _ => 1 };
        var command = new Command("tune", "Search train settings on validation AUC (random draws raced by successive halving); every other option is passed to each train.")
        {
            trials, space, dir, minEpochs, maxEpochs, eta, searchSeed,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(r => Run(io, r.GetValue(trials), r.GetValue(space), r.GetValue(dir)!, r.GetValue(minEpochs), r.GetValue(maxEpochs),
            r.GetValue(eta), r.GetValue(searchSeed), [.. r.UnmatchedTokens]));
        return command;
    }

    private static int Run(CliIO io, int trialCount, string? spacePath, string dir, int minEpochs, int maxEpochs, int eta, int seed, string[] trainArgs)
    {
        if (trialCount < 1) throw new UserInputException("--trials must be at least 1.");
        if (minEpochs < 1 || maxEpochs < minEpochs) throw new UserInputException("--min-epochs must be at least 1 and at most --max-epochs.");
        if (eta < 2) throw new UserInputException("--eta must be at least 2.");
        foreach (string fixedName in new[] { "--out", "--run-dir", "--epochs", "--resume", "--checkpoint-dir", "--config", "--expid" })
            if (trainArgs.Contains(fixedName)) throw new UserInputException($"{fixedName} cannot be given to tune (it sets each trial's own).");
        // The train options must parse before any trial runs: the same parser, asked for the effective settings.
        var check = Capture(["train", .. trainArgs, "--print-config"]);
        if (check.Code != 0) throw new UserInputException($"the train options given do not parse: {check.Err.Trim()}");
        var known = new HashSet<string>(check.Out.Split('\n').Where(l => l.Contains(": ") && !l.StartsWith('#')).Select(l => l[..l.IndexOf(':')]), StringComparer.Ordinal);
        var searchSpace = spacePath is null ? TuneSpace.Parse(TuneSpace.DefaultYaml, "the default space", known)
            : File.Exists(spacePath) ? TuneSpace.Parse(File.ReadAllText(spacePath), spacePath, known) : throw new UserInputException($"{spacePath}: space file not found.");
        foreach (string name in searchSpace.Names)
            if (trainArgs.Contains("--" + name)) throw new UserInputException($"--{name} is both fixed and searched; leave it out of the train options or of the space.");

        Directory.CreateDirectory(dir);
        var rng = new Random(seed);
        var points = Enumerable.Range(0, trialCount).Select(_ => searchSpace.Sample(rng)).ToList();
        string trialsPath = Path.Combine(dir, "trials.csv");
        var done = ReadDone(trialsPath, points);
        if (!File.Exists(trialsPath))
            File.WriteAllText(trialsPath, "trial,epochs,valid_auc,valid_logloss,seconds," + string.Join(',', searchSpace.Names) + "\n");

        var alive = Enumerable.Range(0, trialCount).ToList();
        var scores = new Dictionary<(int Trial, int Epochs), double>();
        for (int epochs = minEpochs; ; epochs = Math.Min(maxEpochs, epochs * eta))
        {
            io.Err.WriteLine($"Rung of {epochs} epoch{(epochs == 1 ? "" : "s")}: {alive.Count} trial{(alive.Count == 1 ? "" : "s")}");
            foreach (int t in alive)
            {
                if (!done.TryGetValue((t, epochs), out double auc))
                {
                    string runDir = Path.Combine(dir, $"trial-{t:D3}-e{epochs}");
                    var args = new List<string> { "train" };
                    args.AddRange(trainArgs);
                    foreach (var (name, value) in points[t]) { args.Add("--" + name); args.Add(value); }
                    args.AddRange(["--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--run-dir", runDir, "--quiet"]);
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    var result = Capture([.. args]);
                    if (result.Code != 0) throw new UserInputException($"trial {t} failed: {result.Err.Trim()}");
                    using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "summary.json")));
                    var valid = summary.RootElement.GetProperty("valid");
                    if (valid.ValueKind == JsonValueKind.Null) throw new UserInputException("tune needs validation rows (--valid-fraction above 0 or --valid).");
                    auc = valid.GetProperty("auc").GetDouble();
                    double logloss = valid.GetProperty("logloss").GetDouble();
                    File.AppendAllText(trialsPath, string.Create(CultureInfo.InvariantCulture,
                        $"{t},{epochs},{auc:R},{logloss:R},{clock.Elapsed.TotalSeconds:F1},{string.Join(',', points[t].Select(p => Csv(p.Value)))}\n"));
                    done[(t, epochs)] = auc;
                }
                scores[(t, epochs)] = auc;
                io.Err.WriteLine(string.Format(CultureInfo.InvariantCulture, "  trial {0,3}  valid AUC {1:F5}  {2}", t, auc, string.Join(" ", points[t].Select(p => $"--{p.Name} {p.Value}"))));
            }
            if (epochs >= maxEpochs || alive.Count == 1) break;
            alive = [.. alive.OrderByDescending(t => scores[(t, epochs)]).ThenBy(t => t).Take(Math.Max(1, (int)Math.Ceiling(alive.Count / (double)eta)))];
        }

        // The ranking: each trial by its furthest rung, then its AUC there.
        var ranked = Enumerable.Range(0, trialCount)
            .Select(t => (Trial: t, Epochs: scores.Keys.Where(k => k.Trial == t).Max(k => k.Epochs)))
            .Select(x => (x.Trial, x.Epochs, Auc: scores[(x.Trial, x.Epochs)]))
            .OrderByDescending(x => x.Epochs).ThenByDescending(x => x.Auc).ThenBy(x => x.Trial).ToList();
        var best = ranked[0];
        WriteBest(Path.Combine(dir, "best.yaml"), trainArgs, points[best.Trial], best.Epochs, best.Auc);
        WriteMarkdown(Path.Combine(dir, "results.md"), ranked, points, searchSpace.Names, trainArgs, seed, minEpochs, maxEpochs, eta);
        var top = ranked.Take(10).ToList();
        new DeepFM.Charts.ScottPlotChartRenderer().Bars(Path.Combine(dir, "tune-auc.png"), [.. top.Select(x => $"#{x.Trial} ({x.Epochs} ep)")],
            [.. top.Select(x => x.Auc)], "deepfm tune: validation AUC of the best trials", "valid AUC", zoom: true);
        io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "best       trial {0} ({1} epochs): valid AUC {2:F5}  {3}", best.Trial, best.Epochs, best.Auc,
            string.Join(" ", points[best.Trial].Select(p => $"--{p.Name} {p.Value}"))));
        io.Out.WriteLine($"wrote      {Path.Combine(dir, "best.yaml")} (deepfm train --config {Path.Combine(dir, "best.yaml")}), results.md, tune-auc.png, trials.csv");
        return 0;
    }

    /// <summary>Results already in trials.csv, checked to belong to this search (same draws).</summary>
    private static Dictionary<(int, int), double> ReadDone(string path, List<IReadOnlyList<(string Name, string Value)>> points)
    {
        var done = new Dictionary<(int, int), double>();
        if (!File.Exists(path)) return done;
        var lines = File.ReadAllLines(path);
        for (int i = 1; i < lines.Length; i++)
        {
            var cells = SplitCsv(lines[i]);
            if (cells.Count < 5 || !int.TryParse(cells[0], CultureInfo.InvariantCulture, out int t) || !int.TryParse(cells[1], CultureInfo.InvariantCulture, out int e)
                || !double.TryParse(cells[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double auc))
                continue;   // a line cut short by a kill: that trial runs again
            if (t >= points.Count || !cells.Skip(5).SequenceEqual(points[t].Select(p => p.Value)))
                throw new UserInputException($"{path}: holds trials of another search (other space, seed or trial count); use another --tune-dir.");
            done[(t, e)] = auc;
        }
        return done;
    }

    private static void WriteBest(string path, string[] trainArgs, IReadOnlyList<(string Name, string Value)> point, int epochs, double auc)
    {
        var sb = new StringBuilder();
        sb.Append(string.Create(CultureInfo.InvariantCulture, $"# deepfm tune: the best trial (valid AUC {auc:F5} at {epochs} epochs); run it with deepfm train --config {Path.GetFileName(path)}\n"));
        for (int i = 0; i < trainArgs.Length; i++)
        {
            if (!trainArgs[i].StartsWith("--", StringComparison.Ordinal)) continue;
            bool hasValue = i + 1 < trainArgs.Length && !trainArgs[i + 1].StartsWith("--", StringComparison.Ordinal);
            sb.Append(trainArgs[i][2..]).Append(": ").Append(hasValue ? Quote(trainArgs[++i]) : "true").Append('\n');
        }
        foreach (var (name, value) in point) sb.Append(name).Append(": ").Append(Quote(value)).Append('\n');
        sb.Append("epochs: ").Append(epochs.ToString(CultureInfo.InvariantCulture)).Append('\n');
        File.WriteAllText(path, sb.ToString());
    }

    private static void WriteMarkdown(string path, List<(int Trial, int Epochs, double Auc)> ranked, List<IReadOnlyList<(string Name, string Value)>> points,
        IReadOnlyList<string> names, string[] trainArgs, int seed, int minEpochs, int maxEpochs, int eta)
    {
        var sb = new StringBuilder("# deepfm tune\n\n");
        sb.Append(string.Create(CultureInfo.InvariantCulture, $"{ranked.Count} trials (search seed {seed}), successive halving from {minEpochs} to {maxEpochs} epochs by {eta}; fixed train options: `{string.Join(' ', trainArgs)}`. Ranked by the furthest rung reached, then validation AUC.\n\n"));
        sb.Append("| rank | trial | epochs | valid AUC | ").Append(string.Join(" | ", names)).Append(" |\n|---:|---:|---:|---:|").Append(string.Concat(names.Select(_ => "---|"))).Append('\n');
        for (int i = 0; i < ranked.Count; i++)
        {
            var x = ranked[i];
            sb.Append(string.Create(CultureInfo.InvariantCulture, $"| {i + 1} | {x.Trial} | {x.Epochs} | {x.Auc:F5} | ")).Append(string.Join(" | ", points[x.Trial].Select(p => p.Value))).Append(" |\n");
        }
        File.WriteAllText(path, sb.ToString());
    }

    private static string Quote(string value) => value.IndexOfAny([',', ':', '#', '[', ']', '{', '}', ' ']) >= 0 ? "\"" + value.Replace("\"", "\\\"") + "\"" : value;

    private static string Csv(string value) => value.Contains(',') ? "\"" + value + "\"" : value;

    private static List<string> SplitCsv(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString());
        return cells;
    }

    private static (int Code, string Out, string Err) Capture(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
