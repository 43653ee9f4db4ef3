using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Experiments;

/// <summary>One training run of an experiment: a model under one setting.</summary>
/// <param name="Model">Registered model name.</param>
/// <param name="Setting">The swept value's label in a study (e.g. <c>tanh</c>, <c>0.9</c>); empty in a comparison.</param>
/// <param name="Config">The model's hyper-parameters.</param>
/// <param name="Training">The training loop's settings.</param>
public sealed record ExperimentRun(string Model, string Setting, ModelConfig Config, TrainOptions Training);
