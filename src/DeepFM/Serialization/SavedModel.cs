using DeepFM.Features;
using DeepFM.Models;

namespace DeepFM.Serialization;

/// <summary>A model with everything needed to score raw rows exactly as in training.</summary>
/// <param name="Model">The network with its weights.</param>
/// <param name="FeatureMap">Vocabularies and field encoders fitted on the training data.</param>
/// <param name="Metadata">How it was trained.</param>
public sealed record SavedModel(CtrModel Model, FeatureMap FeatureMap, ModelMetadata Metadata)
{
    /// <summary>Fails, naming the fields, when the model has multi-valued fields, which <paramref name="what"/> (a
    /// part of the system that takes one value per field) cannot feed.</summary>
    /// <exception cref="UserInputException">The model has multi-valued fields.</exception>
    public void RequireSingleValuedFields(string what)
    {
        var multi = FeatureMap.Fields.Where(f => f.Kind == Data.FieldKind.MultiCategorical).Select(f => f.Name).ToList();
        if (multi.Count > 0)
            throw new UserInputException($"{what} takes one value per field and does not support multi-valued fields yet; this model's {string.Join(", ", multi)} {(multi.Count == 1 ? "is" : "are")} multi-valued. Score it with 'deepfm predict' or the library.");
    }
}
