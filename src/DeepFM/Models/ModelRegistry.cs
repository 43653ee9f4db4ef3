namespace DeepFM.Models;

/// <summary>
/// Model names and their constructors. Adding a model to the zoo is one new file and one line here.
/// </summary>
public static class ModelRegistry
{
    private static readonly Dictionary<string, (string Description, Func<ModelConfig, FeatureSpace, CtrModel> Create)> Models =
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["lr"] = ("Logistic regression on the raw sparse features (FTRL by default)", (c, s) => new LogisticRegression(c, s)),
            ["fm"] = ("Factorization machine, order 1 + order 2 (Rendle 2010)", (c, s) => new FactorizationMachineModel(c, s)),
            ["deepfm"] = ("DeepFM: shared embeddings feed an FM and a DNN; ŷ = sigmoid(y_FM + y_DNN)", (c, s) => new DeepFMModel(c, s)),
        };

    /// <summary>Registered names, in registration order (the paper's Table 2 order).</summary>
    public static IReadOnlyList<string> Names => [.. Models.Keys];

    /// <summary>One-line description of a model.</summary>
    public static string Describe(string name) => Models.TryGetValue(name, out var m) ? m.Description : "";

    /// <summary>Whether a name is registered.</summary>
    public static bool Contains(string name) => Models.ContainsKey(name);

    /// <summary>Builds the model named by <see cref="ModelConfig.Model"/>.</summary>
    public static CtrModel Create(ModelConfig config, FeatureSpace space)
    {
        if (!Models.TryGetValue(config.Model, out var entry))
            throw new UserInputException($"Unknown model '{config.Model}'. Known models: {string.Join(", ", Names)}.");
        return entry.Create(config, space);
    }

    /// <summary>Canonical (registered) spelling of a name.</summary>
    public static string Canonical(string name) => Models.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) ?? name;
}
