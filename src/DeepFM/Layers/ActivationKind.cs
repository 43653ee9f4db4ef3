namespace DeepFM.Layers;

/// <summary>Hidden-layer activation functions (the paper's Figure 7 compares relu and tanh).</summary>
public enum ActivationKind
{
    /// <summary>max(0, x).</summary>
    Relu,
    /// <summary>tanh(x).</summary>
    Tanh,
    /// <summary>1 / (1 + e^-x).</summary>
    Sigmoid,
    /// <summary>x (no activation).</summary>
    Identity,
}
