namespace DeepFM.Experiments;

/// <summary>The hyper-parameters of the paper's Section 3.3, in its order.</summary>
public enum StudyParameter
{
    /// <summary>Hidden activation: relu, tanh (Figure 7).</summary>
    Activation,

    /// <summary>Dropout as the paper's keep probability 1.0 … 0.5 (Figure 8).</summary>
    Dropout,

    /// <summary>Neurons per hidden layer at a fixed number of layers (Figure 9).</summary>
    Neurons,

    /// <summary>Number of hidden layers at a fixed width (Figure 10).</summary>
    Layers,

    /// <summary>Network shape at a fixed number of layers and total neurons (Figure 11).</summary>
    Shape,
}
