using System.CommandLine;
using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DeepFM.Cli;

/// <summary>
/// Experiment files for <c>train</c>, <c>compare</c> and <c>study</c> (FuxiCTR's habit): YAML or JSON whose keys are the
/// command's option names without <c>--</c>. Either one flat set of options, or named experiments chosen with
/// <c>--expid</c>, each inheriting a <c>base</c> block. The file's settings become arguments placed before the command
/// line's, and an option the command line gives drops the file's value: flags override the file.
/// </summary>
/// <example>
/// <code>
/// base:
///   epochs: 5
///   batch-size: 4096
/// deepfm_small:
///   model: deepfm
///   hidden: [200, 200]
/// </code>
/// </example>
internal static class ExperimentConfig
{
    public const string ConfigOption = "--config", ExpIdOption = "--expid", PrintOption = "--print-config";
    private const string BaseBlock = "base";

    /// <summary>The arguments of <paramref name="args"/> (those after the command name) with <c>--config</c> and
    /// <c>--expid</c> replaced by the file's settings. Unchanged when there is no <c>--config</c>.</summary>
    /// <exception cref="UserInputException">The file is missing or unreadable, not YAML/JSON, names an option the
    /// command does not have, or the experiment is not in it; the message names file, line and key.</exception>
    public static string[] Expand(Command command, string[] args)
    {
        string? path = ValueOf(args, ConfigOption), expId = ValueOf(args, ExpIdOption);
        if (path is null)
        {
            if (expId is not null) throw new UserInputException($"{ExpIdOption} needs {ConfigOption} (the file that holds the experiment).");
            return args;
        }
        var settings = Load(path, expId, command);
        var given = new HashSet<string>(args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a.Split('=', ':')[0]), StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var (name, value) in settings)
        {
            if (given.Contains("--" + name)) continue;   // the command line wins
            result.Add("--" + name);
            result.Add(value);
        }
        result.AddRange(Without(args, ConfigOption, ExpIdOption));
        return [.. result];
    }

    /// <summary>The (option name, value) pairs of experiment <paramref name="expId"/> of <paramref name="path"/>,
    /// <c>base</c> first and the experiment's own after (its values replace base's), checked against
    /// <paramref name="command"/>'s options.</summary>
    public static IReadOnlyList<(string Name, string Value)> Load(string path, string? expId, Command command)
    {
        if (!File.Exists(path)) throw new UserInputException($"{path}: config file not found.");
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            yaml.Load(reader);
        }
        catch (YamlException e)
        {
            throw new UserInputException($"{path}:{e.Start.Line}: not valid YAML or JSON: {e.InnerException?.Message ?? e.Message}");
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // YamlDotNet's representation model rejects some event sequences (e.g. a key with no name) this way.
            throw new UserInputException($"{path}: not valid YAML or JSON for an experiment file ({e.Message}).");
        }
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
            throw new UserInputException($"{path}: expected a mapping of option names to values (or of experiment names to such mappings).");

        bool nested = root.Children.Count > 0 && root.Children.All(kv => kv.Value is YamlMappingNode);
        bool flat = root.Children.All(kv => kv.Value is not YamlMappingNode);
        if (!nested && !flat)
        {
            bool firstIsBlock = root.Children[0].Value is YamlMappingNode;
            var odd = root.Children.First(kv => kv.Value is YamlMappingNode != firstIsBlock);
            throw new UserInputException($"{path}:{odd.Key.Start.Line}: mixes options and experiments at the top level; put options under an experiment (or under base).");
        }
        var options = command.Options.Where(o => o.Name.StartsWith("--", StringComparison.Ordinal)).ToDictionary(o => o.Name[2..], StringComparer.Ordinal);
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        if (flat)
        {
            if (expId is not null) throw new UserInputException($"{path}: holds no named experiments, so {ExpIdOption} {expId} cannot select one.");
            Read(path, root, options, merged);
        }
        else
        {
            var names = root.Children.Keys.Select(k => Scalar(path, k)).Where(n => n != BaseBlock).ToList();
            if (expId is null)
            {
                if (names.Count != 1) throw new UserInputException($"{path}: holds {names.Count} experiments ({string.Join(", ", names)}); choose one with {ExpIdOption}.");
                expId = names[0];
            }
            if (!names.Contains(expId)) throw new UserInputException($"{path}: no experiment '{expId}' (it has {string.Join(", ", names)}).");
            foreach (var (key, value) in root.Children)
                if (Scalar(path, key) == BaseBlock) Read(path, (YamlMappingNode)value, options, merged);
            foreach (var (key, value) in root.Children)
                if (Scalar(path, key) == expId) Read(path, (YamlMappingNode)value, options, merged);
        }
        return [.. merged.Select(kv => (kv.Key, kv.Value))];
    }

    private static void Read(string path, YamlMappingNode block, Dictionary<string, Option> options, Dictionary<string, string> into)
    {
        foreach (var (keyNode, valueNode) in block.Children)
        {
            string key = Scalar(path, keyNode).TrimStart('-');
            if (key is "config" or "expid" or "print-config")
                throw new UserInputException($"{path}:{keyNode.Start.Line}: '{key}' cannot be set in a config file.");
            if (!options.ContainsKey(key))
            {
                string? near = options.Keys.OrderBy(k => Distance(k, key)).FirstOrDefault();
                throw new UserInputException($"{path}:{keyNode.Start.Line}: unknown key '{key}' for this command{(near is not null && Distance(near, key) <= 3 ? $" (did you mean '{near}'?)" : "")}.");
            }
            // A null (~, null or nothing) leaves the option at its default, as config.yaml writes unset options.
            if (valueNode is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" })
            {
                into.Remove(key);
                continue;
            }
            into[key] = valueNode switch
            {
                YamlScalarNode s => s.Value ?? "",
                YamlSequenceNode list => string.Join(',', list.Children.Select(c => c is YamlScalarNode item ? item.Value ?? ""
                    : throw new UserInputException($"{path}:{c.Start.Line}: key '{key}': a list holds plain values only."))),
                _ => throw new UserInputException($"{path}:{valueNode.Start.Line}: key '{key}': expected a value or a list of values."),
            };
        }
    }

    private static string Scalar(string path, YamlNode node) =>
        node is YamlScalarNode { Value: { } v } ? v : throw new UserInputException($"{path}:{node.Start.Line}: a key must be a plain name.");

    private static string? ValueOf(string[] args, string name)
    {
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == name) return i + 1 < args.Length ? args[i + 1] : throw new UserInputException($"{name} needs a value.");
            if (args[i].StartsWith(name + "=", StringComparison.Ordinal)) return args[i][(name.Length + 1)..];
        }
        return null;
    }

    private static IEnumerable<string> Without(string[] args, params string[] names)
    {
        for (int i = 0; i < args.Length; i++)
        {
            if (names.Contains(args[i])) { i++; continue; }
            if (names.Any(n => args[i].StartsWith(n + "=", StringComparison.Ordinal))) continue;
            yield return args[i];
        }
    }

    /// <summary>Adds <c>--config</c>, <c>--expid</c> and <c>--print-config</c> to <paramref name="command"/> (for its help and
    /// parsing; <see cref="CliApp"/> expands the file before the command sees its arguments).</summary>
    public static void AddOptions(Command command)
    {
        command.Options.Add(new Option<string?>(ConfigOption) { Description = "Experiment file (YAML or JSON): option names without -- as keys, either flat or named experiments inheriting a 'base' block. Flags given here override it." });
        command.Options.Add(new Option<string?>(ExpIdOption) { Description = "Which experiment of --config to run (needed when it holds several)." });
        command.Options.Add(new Option<bool>(PrintOption) { Description = "Print the effective settings (flags, config file, defaults) as YAML and exit." });
    }

    /// <summary>The effective settings of a parsed command, every option with its value (defaults included), as YAML.</summary>
    public static string Effective(ParseResult r)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("# ").Append(r.CommandResult.Command.Name).Append(": effective settings (flags, then the config file, then defaults)\n");
        foreach (var o in r.CommandResult.Command.Options)
        {
            if (!o.Name.StartsWith("--", StringComparison.Ordinal) || o.Name is ConfigOption or ExpIdOption or PrintOption) continue;
            object? value = r.GetResult(o) is System.CommandLine.Parsing.OptionResult result ? result.GetValueOrDefault<object?>() : null;
            sb.Append(o.Name[2..]).Append(": ").Append(Yaml(value)).Append('\n');
        }
        return sb.ToString();
    }

    private static string Yaml(object? value) => value switch
    {
        null => "~",
        bool b => b ? "true" : "false",
        string s => s.Length == 0 || s.IndexOfAny([':', '#', '"', '\'', ',', '[', ']', '{', '}']) >= 0 || s != s.Trim() ? "\"" + s.Replace("\"", "\\\"") + "\"" : s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "~",
    };

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
