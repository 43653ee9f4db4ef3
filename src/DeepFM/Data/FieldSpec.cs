namespace DeepFM.Data;

/// <summary>Name and kind of one input field, in model field order.</summary>
internal readonly record struct FieldSpec(string Name, FieldKind Kind);
