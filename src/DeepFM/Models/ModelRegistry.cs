using DeepFM.Layers;

namespace DeepFM.Models;

/// <summary>
/// Model names and their constructors. Adding a model to the zoo is one new file and one line here.
/// </summary>
public static class ModelRegistry
{
    private static readonly Dictionary<string, (string Description, Func<ModelConfig, FeatureSpace, CtrModel> Create, ModelDefaults Defaults)> Models =
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["lr"] = ("Logistic regression on the raw sparse features (FTRL by default)", (c, s) => new LogisticRegression(c, s), ModelDefaults.Shallow with { Optimizer = "ftrl" }),
            ["fm"] = ("Factorization machine, order 1 + order 2 (Rendle 2010)", (c, s) => new FactorizationMachineModel(c, s), ModelDefaults.Shallow),
            ["fnn"] = ("FNN: FM-pre-trained embeddings [w_i, V_i] feed a DNN (Zhang et al. 2016)", (c, s) => new FnnModel(c, s), ModelDefaults.Deep),
            ["ipnn"] = ("IPNN: DNN over [embeddings, pairwise inner products] (Qu et al. 2016)", (c, s) => new ProductNetworkModel(c, s, ProductKind.Inner), ModelDefaults.Deep),
            ["opnn"] = ("OPNN: DNN over [embeddings, outer product of the summed embeddings] (Qu et al. 2016)", (c, s) => new ProductNetworkModel(c, s, ProductKind.Outer), ModelDefaults.Deep),
            ["pnn"] = ("PNN*: DNN over [embeddings, inner products, outer product] (Qu et al. 2016)", (c, s) => new ProductNetworkModel(c, s, ProductKind.Both), ModelDefaults.Deep),
            ["widedeep"] = ("LR & DNN: Wide & Deep without crosses; LR + DNN on its own embeddings, logits summed", (c, s) => new WideDeepModel(c, s), ModelDefaults.Deep),
            ["fmdnn"] = ("FM & DNN: FM + DNN on separate embedding tables, logits summed", (c, s) => new FmDnnModel(c, s), ModelDefaults.Deep),
            ["deepfm"] = ("DeepFM: shared embeddings feed an FM and a DNN; ŷ = sigmoid(y_FM + y_DNN)", (c, s) => new DeepFMModel(c, s), ModelDefaults.Deep),
            ["nfm"] = ("NFM: Bi-Interaction pooling Σ_{i<j} e_i ⊙ e_j feeds a DNN, plus the order-1 term (He & Chua 2017)", (c, s) => new NfmModel(c, s), ModelDefaults.Deep),
            ["dcn"] = ("DCN: a cross network x_{l+1} = x_0·(x_lᵀw_l) + b_l + x_l beside a DNN (Wang et al. 2017)", (c, s) => new DcnModel(c, s), ModelDefaults.Deep),
            ["dcnv2"] = ("DCN-V2: full-rank crosses x_{l+1} = x_0 ⊙ (x_l W_l + b_l) + x_l beside a DNN (Wang et al. 2021)", (c, s) => new DcnModel(c, s, fullRank: true), ModelDefaults.Deep),
            ["afm"] = ("AFM: attention-weighted pairs pᵀ Σ_{i<j} a_ij (v_i ⊙ v_j), a = softmax(hᵀReLU(W(v_i ⊙ v_j) + b)), plus the order-1 term (Xiao et al. 2017)", (c, s) => new AfmModel(c, s), ModelDefaults.Shallow),
            ["finalmlp"] = ("FinalMLP: two gated MLP streams o_1, o_2 fused by b + w_1ᵀo_1 + w_2ᵀo_2 + Σ_h o_1hᵀ W_h o_2h (Mao et al. 2023)", (c, s) => new FinalMlpModel(c, s), ModelDefaults.Deep),
            ["autoint"] = ("AutoInt+: multi-head self-attention over fields x'_i = ReLU(⊕_h Σ_j softmax_j(⟨Q_h x_i, K_h x_j⟩) V_h x_j + W_res x_i), plus a DNN (Song et al. 2019)", (c, s) => new AutoIntModel(c, s), ModelDefaults.Deep),
            ["xdeepfm"] = ("xDeepFM: CIN X^l_c = Σ_{h,j} W^l_{hj,c} (X^0_h ⊙ X^{l-1}_j), sum-pooled, plus linear and DNN (Lian et al. 2018)", (c, s) => new XDeepFmModel(c, s), ModelDefaults.Deep),
            ["fibinet"] = ("FiBiNET: SENET re-weights fields, v_i = a_i e_i; bilinear p_ij = (e_i W) ⊙ e_j on both feed a DNN, plus linear (Huang et al. 2019)", (c, s) => new FiBiNetModel(c, s), ModelDefaults.Deep with { L2Embedding = 0.01f }),
        };

    /// <summary>Other accepted spellings (the paper's names) and the registered name each stands for.</summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["lr&dnn"] = "widedeep",
        ["lrdnn"] = "widedeep",
        ["fm&dnn"] = "fmdnn",
        ["pnn*"] = "pnn",
        ["autoint+"] = "autoint",
    };

    /// <summary>Registered names, in registration order (the paper's Table 2 order). Aliases are not listed.</summary>
    public static IReadOnlyList<string> Names => [.. Models.Keys];

    /// <summary>Alias → registered name, for help text.</summary>
    public static IReadOnlyDictionary<string, string> AliasNames => Aliases;

    /// <summary>One-line description of a model (by name or alias).</summary>
    public static string Describe(string name) => Models.TryGetValue(Canonical(name), out var m) ? m.Description : "";

    /// <summary>Per-model defaults of a model (by name or alias): see <see cref="ModelDefaults"/>. Unknown names get
    /// <see cref="ModelDefaults.Deep"/>.</summary>
    public static ModelDefaults DefaultsOf(string name) => Models.TryGetValue(Canonical(name), out var m) ? m.Defaults : ModelDefaults.Deep;

    /// <summary>Whether a name or alias is registered.</summary>
    public static bool Contains(string name) => Models.ContainsKey(Canonical(name));

    /// <summary>Builds the model named by <see cref="ModelConfig.Model"/> (a name or alias).</summary>
    public static CtrModel Create(ModelConfig config, FeatureSpace space)
    {
        if (!Models.TryGetValue(Canonical(config.Model), out var entry))
            throw new UserInputException($"Unknown model '{config.Model}'. Known models: {string.Join(", ", Names)}.");
        // JSON (a model file's or checkpoint's header) takes any integer for an enum; the layers know only the named ones.
        if (!Enum.IsDefined(config.Activation) || !Enum.IsDefined(config.EmbeddingUpdate))
            throw new UserInputException($"Unknown activation {(int)config.Activation} or embedding update {(int)config.EmbeddingUpdate}.");
        ModelSize.Validate(config, space);   // before any allocation: sizes past one array or the machine's memory
        return entry.Create(config, space);
    }

    /// <summary>Canonical (registered) spelling of a name or alias; unknown names come back unchanged.</summary>
    public static string Canonical(string name)
    {
        if (Aliases.TryGetValue(name, out var target)) return target;
        return Models.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) ?? name;
    }
}
