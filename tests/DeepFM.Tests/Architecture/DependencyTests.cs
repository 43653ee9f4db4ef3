using DeepFM.Models;
using Xunit.Abstractions;

namespace DeepFM.Tests.Architecture;

/// <summary>The floor plan of docs/architecture.md, checked against the library's IL: which namespaces may use
/// which, so that the arrows point one way.</summary>
public sealed class DependencyTests(ITestOutputHelper output)
{
    /// <summary>Each area of DeepFM.dll and the areas it may use. <c>(root)</c> holds <see cref="UserInputException"/>,
    /// which every area may throw. A new area, or a new arrow, is a change to docs/architecture.md first.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["(root)"] = [],
        ["Engine"] = [],
        ["Data"] = [],
        ["IO"] = [],
        ["Evaluation"] = [],
        ["Features"] = ["Data"],
        ["Synthetic"] = ["Data", "Engine", "IO"],
        ["Preparation"] = ["Data", "Features", "Engine", "IO"],
        ["Layers"] = ["Engine", "Data"],
        ["Models"] = ["Layers", "Engine", "Data"],
        ["Training"] = ["Models", "Engine", "Data", "Evaluation"],
        ["Distributed"] = ["Training", "Engine"],
        ["Serialization"] = ["Training", "Evaluation", "Models", "Engine", "Features", "Data", "IO"],
        ["Export"] = ["Serialization", "Models", "Engine", "Features", "Data", "IO"],
        ["Pipeline"] = ["Preparation", "Training", "Layers", "Serialization", "Models", "Evaluation", "Features", "Data", "Engine"],
        ["Experiments"] = ["Pipeline", "Preparation", "Training", "Serialization", "Models", "Layers", "Evaluation", "Features", "Data", "Engine", "Synthetic"],
    };

    private static NamespaceGraph Library() => new(typeof(CtrModel).Assembly.Location, "DeepFM");

    [Fact]
    public void Every_arrow_between_namespaces_is_an_allowed_one()
    {
        var graph = Library();
        var unknown = graph.Areas.Where(a => !Allowed.ContainsKey(a)).ToList();
        Assert.True(unknown.Count == 0, $"Namespaces not in the floor plan: {string.Join(", ", unknown)}. Add them to docs/architecture.md and to {nameof(Allowed)}.");
        var wrong = new List<string>();
        foreach (var (from, to, witnesses) in graph.Edges)
        {
            output.WriteLine($"{from} -> {to} ({witnesses.Count} uses)");
            if (to != "(root)" && !Allowed[from].Contains(to))
                wrong.Add($"{from} -> {to}, e.g. {string.Join("; ", witnesses.Take(3))}");
        }
        Assert.True(wrong.Count == 0, "Arrows the floor plan does not allow:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void The_allowed_arrows_have_no_cycle()
    {
        // Depth-first search over the table itself: a cycle there would let the code form one.
        var state = new Dictionary<string, int>(StringComparer.Ordinal);   // 1 = on the path, 2 = done
        bool Cycle(string area, List<string> path)
        {
            if (state.GetValueOrDefault(area) == 2) return false;
            if (state.GetValueOrDefault(area) == 1) { path.Add(area); return true; }
            state[area] = 1;
            path.Add(area);
            foreach (var next in Allowed[area]) if (Cycle(next, path)) return true;
            path.RemoveAt(path.Count - 1);
            state[area] = 2;
            return false;
        }
        foreach (var area in Allowed.Keys)
        {
            var path = new List<string>();
            Assert.False(Cycle(area, path), "Cycle: " + string.Join(" -> ", path));
        }
    }

    [Fact]
    public void The_trainer_knows_no_particular_model()
    {
        // Training may use the model abstraction (CtrModel, IPretrainedModel, ModelConfig, the defaults), never a
        // concrete model: adding a model must not touch the trainer.
        var models = typeof(CtrModel).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(CtrModel)) && !t.IsAbstract)
            .Select(t => t.FullName!.Replace('+', '/'))
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(models);
        var graph = Library();
        var uses = graph.Edges.Where(e => e.From == "Training" && e.To == "Models")
            .SelectMany(e => e.Witnesses)
            .Where(w => models.Contains(w[(w.IndexOf(" → ", StringComparison.Ordinal) + 3)..]))
            .ToList();
        Assert.True(uses.Count == 0, "Training names concrete models: " + string.Join("; ", uses));
    }
}
