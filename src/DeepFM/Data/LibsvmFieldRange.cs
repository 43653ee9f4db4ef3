namespace DeepFM.Data;

/// <summary>One field of a <see cref="LibsvmFieldMap"/>: feature indices <c>[First, Last]</c> (inclusive).</summary>
/// <param name="Name">Field name.</param>
/// <param name="First">Smallest feature index of the field.</param>
/// <param name="Last">Largest feature index of the field.</param>
public readonly record struct LibsvmFieldRange(string Name, long First, long Last);
