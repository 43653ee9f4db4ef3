using DeepFM.Engine;

namespace DeepFM.Training;

/// <summary>Single-process training: gradients are already complete.</summary>
public sealed class LocalGradientReducer : IGradientReducer
{
    /// <summary>The shared instance.</summary>
    public static LocalGradientReducer Instance { get; } = new();

    /// <inheritdoc />
    public void Reduce(IReadOnlyList<Parameter> parameters) { }
}
