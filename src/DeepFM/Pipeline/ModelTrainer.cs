using DeepFM.Evaluation;
using DeepFM.Models;
using DeepFM.Serialization;
using DeepFM.Training;

namespace DeepFM.Pipeline;

/// <summary>Builds, trains and evaluates a model on loaded splits; the one path the CLI, <c>compare</c> and <c>study</c> share.</summary>
public static class ModelTrainer
{
    /// <summary>Trains <paramref name="config"/> on <paramref name="data"/> and evaluates it on validation and test;
    /// <paramref name="reducer"/> combines gradients across processes (none: one process).</summary>
    public static TrainedModel Train(DataSplits data, ModelConfig config, TrainOptions options, ITrainingObserver? observer = null,
        CancellationToken cancel = default, string? trainPath = null, IGradientReducer? reducer = null)
    {
        options = options.ResolveFor(config.Model);   // the model file records the optimizer and learning rate used
        var space = new FeatureSpace(data.FeatureMap.FieldCount, data.FeatureMap.FeatureCount);
        ModelSize.Validate(config, space, options.BatchSize);   // the model and one batch's activations, before allocating
        var model = ModelRegistry.Create(config, space);
        var result = new Trainer(options, reducer).Fit(model, data.Train, data.Valid, observer, cancel);
        var ws = new Engine.Workspace(isTraining: false, Engine.ComputeContext.Default.WithThreads(options.Threads));
        EvalResult? valid = data.Valid is null ? null : Predictor.Evaluate(model, data.Valid, ws);
        EvalResult? test = data.Test is null ? null : Predictor.Evaluate(model, data.Test, ws);
        var metadata = new ModelMetadata
        {
            TrainData = trainPath,
            TrainRows = data.Train.Count,
            Epochs = result.Epochs,
            ValidAuc = valid?.Auc ?? double.NaN,
            ValidLogloss = valid?.Logloss ?? double.NaN,
            TestAuc = test?.Auc ?? double.NaN,
            TestLogloss = test?.Logloss ?? double.NaN,
            TrainOptions = options.ToString(),
        };
        return new TrainedModel(new SavedModel(model, data.FeatureMap, metadata), result, valid, test);
    }
}
