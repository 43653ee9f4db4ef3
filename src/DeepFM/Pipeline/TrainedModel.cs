using DeepFM.Evaluation;
using DeepFM.Serialization;
using DeepFM.Training;

namespace DeepFM.Pipeline;

/// <summary>The outcome of training one model on one set of splits.</summary>
/// <param name="Saved">The model with its feature map and metadata, ready to save.</param>
/// <param name="Training">Training history and timing.</param>
/// <param name="Valid">Validation metrics of the kept weights.</param>
/// <param name="Test">Test metrics of the kept weights.</param>
public sealed record TrainedModel(SavedModel Saved, TrainResult Training, EvalResult? Valid, EvalResult? Test);
