using DeepFM.Evaluation;
using DeepFM.Models;
using DeepFM.Serialization;
using DeepFM.Training;

namespace DeepFM.Pipeline;

/// <summary>Builds, trains and evaluates a model on loaded splits; the one path the CLI, <c>compare</c> and <c>study</c> share.</summary>
public static class ModelTrainer
{
    /// <summary>Trains <paramref name="config"/> on <paramref name="data"/> and evaluates it on validation and test.</summary>
    /// <remarks>With <paramref name="checkpoints"/>, the run hands its model and state to the sink on its schedule; with
    /// <paramref name="resumeFrom"/>, <paramref name="config"/> and <paramref name="options"/> are ignored and the
    /// checkpoint's model, options and state continue exactly where it was written (after checking it was trained on
    /// <paramref name="data"/>). <paramref name="reducer"/> combines gradients across processes (none: one process).</remarks>
    public static TrainedModel Train(DataSplits data, ModelConfig config, TrainOptions options, ITrainingObserver? observer = null,
        CancellationToken cancel = default, string? trainPath = null, ICheckpointSink? checkpoints = null, Checkpoint? resumeFrom = null,
        IGradientReducer? reducer = null)
        => Train(data, config, options, observer, cancel, trainPath, checkpoints, resumeFrom, null, reducer);

    /// <summary>Continues training <paramref name="initFrom"/> (a warm start; see <see cref="WarmStart"/>) on
    /// <paramref name="data"/>, which must be encoded with its feature map or one grown from it (<paramref name="oldToNew"/>:
    /// <see cref="Features.FeatureMap.ExtendWith"/>'s id map; null when unchanged). The model's configuration is the
    /// saved one's; <paramref name="options"/> are the new run's.</summary>
    public static TrainedModel ContinueTraining(DataSplits data, SavedModel initFrom, int[]? oldToNew, TrainOptions options, ITrainingObserver? observer = null,
        CancellationToken cancel = default, string? trainPath = null, ICheckpointSink? checkpoints = null, IGradientReducer? reducer = null)
    {
        ArgumentNullException.ThrowIfNull(initFrom);
        var space = new FeatureSpace(data.FeatureMap.FieldCount, data.FeatureMap.FeatureCount);
        var model = WarmStart.CreateFrom(initFrom, space, oldToNew);
        return Train(data, model.Config, options, observer, cancel, trainPath, checkpoints, null, model, reducer);
    }

    private static TrainedModel Train(DataSplits data, ModelConfig config, TrainOptions options, ITrainingObserver? observer,
        CancellationToken cancel, string? trainPath, ICheckpointSink? checkpoints, Checkpoint? resumeFrom, CtrModel? warm, IGradientReducer? reducer)
    {
        CtrModel model;
        TrainingState state;
        if (resumeFrom is not null)
        {
            resumeFrom.RequireSameData(IdentityOf(data, trainPath));
            (model, options, state) = (resumeFrom.Saved.Model, resumeFrom.Options, resumeFrom.State);
            config = model.Config;
        }
        else if (warm is not null)
        {
            options = options.ResolveFor(config.Model);
            ModelSize.Validate(config, new FeatureSpace(data.FeatureMap.FieldCount, data.FeatureMap.FeatureCount), options.BatchSize);
            model = warm;
            state = new TrainingState(Optimizer.Create(options.Optimizer!, options.LearningRate!.Value)) { WarmStarted = true };
        }
        else
        {
            options = options.ResolveFor(config.Model);   // the model file records the optimizer and learning rate used
            var space = new FeatureSpace(data.FeatureMap.FieldCount, data.FeatureMap.FeatureCount);
            ModelSize.Validate(config, space, options.BatchSize);   // the model and one batch's activations, before allocating
            model = ModelRegistry.Create(config, space);
            state = new TrainingState(Optimizer.Create(options.Optimizer!, options.LearningRate!.Value));
        }
        var result = new Trainer(options, reducer).Fit(model, data.Train, data.Valid, state, observer, cancel, checkpoints);
        // The saved model is the best one even when the run was cancelled (a checkpoint, if any, holds where it stopped).
        if (result.Cancelled) state.RestoreBest(model.Parameters());
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

    /// <summary>The identity a checkpoint records of the data it was trained on (and checks on resume).</summary>
    public static CheckpointData IdentityOf(DataSplits data, string? trainPath, string? run = null)
    {
        string? full = trainPath is null ? null : Path.GetFullPath(trainPath);
        return new CheckpointData
        {
            TrainPath = full,
            TrainFileLength = full is not null && File.Exists(full) ? new FileInfo(full).Length : -1,
            TrainRows = data.Train.Count,
            ValidRows = data.Valid?.Count ?? 0,
            FeatureMapHash = data.FeatureMap.Hash,
            Run = run,
        };
    }
}
