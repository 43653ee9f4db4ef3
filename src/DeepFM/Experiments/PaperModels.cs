using DeepFM.Models;

namespace DeepFM.Experiments;

/// <summary>
/// The paper's names and order of the models (Table 2), over whatever <see cref="ModelRegistry"/> holds:
/// registered models the paper does not know keep their own name and come after the paper's, in registration order.
/// </summary>
public static class PaperModels
{
    /// <summary>Registry name → the label of Table 2 / Figure 6, in the paper's order.</summary>
    private static readonly (string Name, string Label)[] Paper =
    [
        ("lr", "LR"),
        ("fm", "FM"),
        ("fnn", "FNN"),
        ("ipnn", "IPNN"),
        ("opnn", "OPNN"),
        ("pnn", "PNN*"),
        ("widedeep", "LR & DNN"),
        ("fmdnn", "FM & DNN"),
        ("deepfm", "DeepFM"),
    ];

    /// <summary>Models without a deep component (left out of a hyper-parameter study by default): LR, FM and AFM.</summary>
    private static readonly HashSet<string> Shallow = new(StringComparer.OrdinalIgnoreCase) { "lr", "fm", "afm" };

    /// <summary>The paper's label of a model (e.g. <c>pnn</c> → <c>PNN*</c>), or the name itself for a model the paper does not have.</summary>
    public static string Label(string name)
    {
        foreach (var (n, label) in Paper)
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return label;
        return name;
    }

    /// <summary>Sort key: the paper's position, then registration order for the rest.</summary>
    private static int Rank(string name)
    {
        for (int i = 0; i < Paper.Length; i++)
            if (string.Equals(Paper[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        var names = ModelRegistry.Names;
        for (int i = 0; i < names.Count; i++)
            if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase)) return Paper.Length + i;
        return int.MaxValue;
    }

    /// <summary>Whether a model has a deep component that the hyper-parameter study changes (all but LR and FM).</summary>
    public static bool IsDeep(string name) => !Shallow.Contains(name);

    /// <summary>Every registered model, in the paper's order.</summary>
    public static IReadOnlyList<string> All() => [.. ModelRegistry.Names.OrderBy(Rank)];

    /// <summary>Every registered model with a deep component (all but LR and FM), in the paper's order.</summary>
    public static IReadOnlyList<string> Deep() => [.. All().Where(n => !Shallow.Contains(n))];

    /// <summary>
    /// Parses a model list: <c>all</c>, <c>deep</c>, or comma-separated registry names (null: the default; empty is an error) (kept in the given order, duplicates dropped).
    /// Throws <see cref="UserInputException"/> for an unknown name.
    /// </summary>
    public static IReadOnlyList<string> Parse(string? text, bool deepByDefault = false)
    {
        if (text is null) return deepByDefault ? Deep() : All();
        string spec = text.Trim();
        if (spec.Length == 0) throw new UserInputException("--models is empty: give 'all', 'deep' or a list such as lr,fm,deepfm.");
        if (spec.Equals("all", StringComparison.OrdinalIgnoreCase)) return All();
        if (spec.Equals("deep", StringComparison.OrdinalIgnoreCase)) return Deep();
        var list = new List<string>();
        foreach (var part in spec.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!ModelRegistry.Contains(part))
                throw new UserInputException($"Unknown model '{part}'. Known: {string.Join(", ", All())} (or 'all', 'deep').");
            string name = ModelRegistry.Canonical(part);
            if (!list.Contains(name, StringComparer.OrdinalIgnoreCase)) list.Add(name);
        }
        if (list.Count == 0) throw new UserInputException("--models lists no model.");
        return list;
    }
}
