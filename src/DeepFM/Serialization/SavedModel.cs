using DeepFM.Features;
using DeepFM.Models;

namespace DeepFM.Serialization;

/// <summary>A model with everything needed to score raw rows exactly as in training.</summary>
/// <param name="Model">The network with its weights.</param>
/// <param name="FeatureMap">Vocabularies and field encoders fitted on the training data.</param>
/// <param name="Metadata">How it was trained.</param>
public sealed record SavedModel(CtrModel Model, FeatureMap FeatureMap, ModelMetadata Metadata);
