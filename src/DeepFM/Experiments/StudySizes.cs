namespace DeepFM.Experiments;

/// <summary>The fixed sizes the network sweeps hold (defaults: taken from the base <c>--hidden</c>).</summary>
/// <param name="Layers">Hidden layers, for the neurons and shape sweeps.</param>
/// <param name="Neurons">Neurons per layer, for the layers sweep.</param>
/// <param name="Total">Total neurons, for the shape sweep.</param>
public sealed record StudySizes(int Layers, int Neurons, int Total)
{
    /// <summary>Sizes read off a base network: its layer count, its first width and its total width.</summary>
    public static StudySizes From(IReadOnlyList<int> hidden) =>
        hidden.Count == 0 ? new StudySizes(3, 400, 1200) : new StudySizes(hidden.Count, hidden[0], hidden.Sum());
}
