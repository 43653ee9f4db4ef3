namespace DeepFM.Layers;

/// <summary>Which product signals a <see cref="ProductLayer"/> adds to the embeddings.</summary>
[Flags]
public enum ProductKind
{
    /// <summary>Pairwise inner products ⟨e_i, e_j⟩ (IPNN).</summary>
    Inner = 1,

    /// <summary>The outer product f_Σ f_Σᵀ of the summed embeddings (OPNN).</summary>
    Outer = 2,

    /// <summary>Both (PNN*).</summary>
    Both = Inner | Outer,
}
