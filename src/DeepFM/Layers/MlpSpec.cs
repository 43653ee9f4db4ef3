namespace DeepFM.Layers;

/// <summary>Settings of a deep component: hidden widths, activation, dropout (drop rate) and batch norm.</summary>
/// <param name="Hidden">Hidden layer widths, e.g. 400-400-400 (the paper's setting).</param>
/// <param name="Activation">Hidden activation.</param>
/// <param name="Dropout">Drop rate after each hidden layer (the paper's keep probability is 1 − this).</param>
/// <param name="BatchNorm">Whether each hidden layer is followed by batch normalisation before its activation.</param>
public sealed record MlpSpec(int[] Hidden, ActivationKind Activation, float Dropout, bool BatchNorm);
