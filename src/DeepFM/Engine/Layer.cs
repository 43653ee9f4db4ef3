namespace DeepFM.Engine;

/// <summary>
/// A module mapping one dense matrix to another, with an explicit backward pass. <see cref="Forward"/> keeps what
/// <see cref="Backward"/> needs in the workspace; <see cref="Backward"/> adds parameter gradients and returns the
/// gradient with respect to the input. Returned matrices belong to the workspace and are overwritten by the layer's
/// next call with the same workspace.
/// </summary>
public abstract class Layer : Module
{
    /// <summary>Computes the output for a batch (one row per example).</summary>
    public abstract Matrix Forward(Matrix input, Workspace ws);

    /// <summary>Given dLoss/dOutput for the workspace's last forward batch, accumulates parameter gradients and returns dLoss/dInput.</summary>
    public abstract Matrix Backward(Matrix gradOutput, Workspace ws);

    /// <summary>Appends to <paramref name="graph"/> the nodes computing this layer's evaluation-mode output from the
    /// value named <paramref name="input"/> (<c>[N, in]</c>); returns the output's name (<c>[N, out]</c>). Abstract so
    /// that every layer ships its export with its forward pass.</summary>
    public abstract string ToOnnx(IOnnxGraph graph, string input);
}
