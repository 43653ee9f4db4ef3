using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DeepFM.Cli;

/// <summary>
/// The search space of <c>deepfm tune</c>: per <c>train</c> option (its name without <c>--</c>), a list of choices or a
/// range <c>{low, high}</c> sampled uniformly (<c>log: true</c>: log-uniformly; <c>int: true</c>: whole numbers).
/// </summary>
internal sealed class TuneSpace
{
    private readonly List<(string Name, string[]? Choices, double Low, double High, bool Log, bool Int)> _parameters = [];

    /// <summary>The option names searched, in file order.</summary>
    public IReadOnlyList<string> Names => [.. _parameters.Select(p => p.Name)];

    /// <summary>The space searched when none is given: the settings that moved validation AUC most in
    /// docs/results.md (learning rate, embedding size and its L2, dropout, batch norm, depth and width).</summary>
    public const string DefaultYaml = """
        lr: {low: 1.0e-4, high: 1.0e-2, log: true}
        embedding-size: [8, 10, 16, 32]
        l2-embedding: {low: 1.0e-6, high: 1.0e-1, log: true}
        dropout: {low: 0.0, high: 0.5}
        batch-norm: [true, false]
        hidden: ["400,400,400", "256,128", "200,200,200", "64,64"]
        """;

    /// <summary>Reads a space from YAML text (<paramref name="source"/> names it in errors), checking each name against
    /// <paramref name="known"/> (the train command's options).</summary>
    public static TuneSpace Parse(string yaml, string source, ISet<string> known)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(yaml)); }
        catch (YamlException e) { throw new UserInputException($"{source}:{e.Start.Line}: not valid YAML or JSON: {e.InnerException?.Message ?? e.Message}"); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { throw new UserInputException($"{source}: not valid YAML or JSON for a search space ({e.Message})."); }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root || root.Children.Count == 0)
            throw new UserInputException($"{source}: expected a mapping of train options to choices or ranges.");
        var space = new TuneSpace();
        foreach (var (keyNode, value) in root.Children)
        {
            string name = (keyNode as YamlScalarNode)?.Value?.TrimStart('-') ?? throw new UserInputException($"{source}:{keyNode.Start.Line}: a key must be a plain name.");
            if (!known.Contains(name)) throw new UserInputException($"{source}:{keyNode.Start.Line}: '{name}' is not an option of deepfm train.");
            switch (value)
            {
                case YamlSequenceNode list when list.Children.Count > 0:
                    space._parameters.Add((name, [.. list.Children.Select(c => (c as YamlScalarNode)?.Value
                        ?? throw new UserInputException($"{source}:{c.Start.Line}: '{name}': choices are plain values."))], 0, 0, false, false));
                    break;
                case YamlMappingNode range:
                    double Num(string key, double? fallback = null)
                    {
                        var k = range.Children.FirstOrDefault(kv => (kv.Key as YamlScalarNode)?.Value == key);
                        if (k.Value is null) return fallback ?? throw new UserInputException($"{source}:{range.Start.Line}: '{name}': a range needs '{key}'.");
                        return double.TryParse((k.Value as YamlScalarNode)?.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && double.IsFinite(x)
                            ? x : throw new UserInputException($"{source}:{k.Value.Start.Line}: '{name}': '{key}' is not a number.");
                    }
                    bool Flag(string key) => range.Children.Any(kv => (kv.Key as YamlScalarNode)?.Value == key && (kv.Value as YamlScalarNode)?.Value is "true" or "yes");
                    double low = Num("low"), high = Num("high");
                    bool log = Flag("log");
                    if (!(high >= low) || (log && low <= 0)) throw new UserInputException($"{source}:{range.Start.Line}: '{name}': need low ≤ high{(log ? " and low > 0 for a log range" : "")}.");
                    space._parameters.Add((name, null, low, high, log, Flag("int")));
                    break;
                default:
                    throw new UserInputException($"{source}:{value.Start.Line}: '{name}': expected a list of choices or a range {{low, high}}.");
            }
        }
        return space;
    }

    /// <summary>One point of the space: (option name, value as the command line takes it).</summary>
    public IReadOnlyList<(string Name, string Value)> Sample(Random rng)
    {
        var point = new List<(string, string)>();
        foreach (var p in _parameters)
        {
            if (p.Choices is { } choices) { point.Add((p.Name, choices[rng.Next(choices.Length)])); continue; }
            double u = rng.NextDouble();
            double x = p.Log ? Math.Exp(Math.Log(p.Low) + u * (Math.Log(p.High) - Math.Log(p.Low))) : p.Low + u * (p.High - p.Low);
            point.Add((p.Name, p.Int ? Math.Round(x).ToString(CultureInfo.InvariantCulture) : x.ToString("G4", CultureInfo.InvariantCulture)));
        }
        return point;
    }
}
