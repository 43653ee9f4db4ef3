namespace DeepFM.Models;

/// <summary>How embedding tables are updated by the optimizer.</summary>
public enum EmbeddingUpdate
{
    /// <summary>Dense when the table holds at most <see cref="EmbeddingUpdateRule.AutoDenseLimit"/> numbers, lazy otherwise.</summary>
    Auto,
    /// <summary>Only rows in the batch are read and written (cost independent of vocabulary size).</summary>
    Lazy,
    /// <summary>Every row at every step (L2 acts on the whole table, as in PyTorch with dense gradients).</summary>
    Dense,
}
