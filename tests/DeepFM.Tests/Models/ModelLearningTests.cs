using System.Diagnostics;
using DeepFM.Layers;
using DeepFM.Models;
using DeepFM.Training;
using Xunit.Abstractions;

namespace DeepFM.Tests.Models;

/// <summary>The planted problem and the LR baseline, built once for all learning tests.</summary>
public sealed class PlantedFixture
{
    internal PlantedData Data { get; } = PlantedData.Create(train: 16_000, valid: 2_000, test: 4_000, seed: 2017);

    /// <summary>Test AUC of LR, which sees only the order-1 part of the planted logit.</summary>
    public double LrAuc { get; }

    public PlantedFixture() => LrAuc = ModelLearningTests.TrainAndTest("lr", Data).Auc;
}

public class ModelLearningTests(PlantedFixture fixture, ITestOutputHelper output) : IClassFixture<PlantedFixture>
{
    // Tiny networks: the matrix multiply is a scalar reference on this branch, and the problem needs no more.
    internal static ModelConfig Config(string model) => new()
    {
        Model = model, EmbeddingSize = 4, Hidden = [32, 32], Dropout = 0f, EmbeddingInitStd = 0.05f, Seed = 5,
    };

    internal static TrainOptions Options => new()
    {
        Epochs = 6, BatchSize = 256, LearningRate = 1e-2f, Patience = 2, LrDecayOnPlateau = 0.3f, Seed = 3,
    };

    internal static DeepFM.Evaluation.EvalResult TrainAndTest(string model, PlantedData data)
    {
        var net = ModelRegistry.Create(Config(model), PlantedData.Space);
        new Trainer(Options).Fit(net, data.Train, data.Valid);
        return Predictor.Evaluate(net, data.Test);
    }

    public static TheoryData<string> ModelsWithInteractions() => [.. ModelRegistry.Names.Where(n => n != "lr")];

    [Theory]
    [MemberData(nameof(ModelsWithInteractions))]
    public void LearnsThePlantedInteractionThatLrCannot(string model)
    {
        var clock = Stopwatch.StartNew();
        double auc = TrainAndTest(model, fixture.Data).Auc;
        output.WriteLine($"{model}: test AUC {auc:F4}, LR {fixture.LrAuc:F4}, truth {fixture.Data.TruthAuc:F4} ({clock.Elapsed.TotalSeconds:F1} s)");
        Assert.True(auc >= fixture.LrAuc + 0.02, $"{model}: AUC {auc:F4} is not clearly above LR's {fixture.LrAuc:F4}");
        Assert.True(auc >= fixture.Data.TruthAuc - 0.02, $"{model}: AUC {auc:F4} is far below the truth AUC {fixture.Data.TruthAuc:F4}");
    }

    [Fact]
    public void LrIsClearlyBelowTheTruth() =>
        // Otherwise the interaction would be too weak for the comparison above to mean anything.
        Assert.True(fixture.LrAuc <= fixture.Data.TruthAuc - 0.04, $"LR {fixture.LrAuc:F4} vs truth {fixture.Data.TruthAuc:F4}");
}

public class FnnPretrainingTests
{
    [Fact]
    public void PretrainCopiesTheFmsWeightsAndLatentVectorsIntoTheEmbeddings()
    {
        var data = PlantedData.Create(train: 3_000, valid: 500, test: 10, seed: 7);
        var fnn = (FnnModel)ModelRegistry.Create(ModelLearningTests.Config("fnn"), PlantedData.Space);
        var before = fnn.Embeddings.Value.ToArray();
        // Stage 1 alone, as the trainer runs it: train the stage model, then hand it to the FNN.
        var stage = fnn.CreatePretrainingModel();
        new Trainer(ModelLearningTests.Options with { Epochs = 2, RestoreBest = true }).Fit(stage, data.Train, data.Valid);
        ((IPretrainedModel)fnn).InitializeFrom(stage);

        var fm = fnn.PretrainedFm ?? throw new Xunit.Sdk.XunitException("InitializeFrom kept no FM");
        Assert.Same(stage, fm);
        int k = ModelLearningTests.Config("fnn").EmbeddingSize;
        Assert.Equal(k + 1, fnn.Embeddings.Cols);
        for (int i = 0; i < fnn.Embeddings.Rows; i++)
        {
            var row = fnn.Embeddings.ValueRow(i);
            Assert.Equal(fm.Weights.Value[i], row[0]);                                  // w_i
            Assert.Equal(fm.Embeddings.ValueRow(i).ToArray(), row[1..].ToArray());      // V_i
        }
        Assert.NotEqual(before, fnn.Embeddings.Value);
        // The FM actually learned: its w are no longer all zero.
        Assert.Contains(fm.Weights.Value, v => v != 0f);
    }

    [Fact]
    public void TrainerRunsPretrainingBeforeEndToEndTraining()
    {
        var data = PlantedData.Create(train: 2_000, valid: 300, test: 10, seed: 8);
        var fnn = (FnnModel)ModelRegistry.Create(ModelLearningTests.Config("fnn") with { Hidden = [8] }, PlantedData.Space);
        var observer = new RecordingObserver();
        var result = new Trainer(ModelLearningTests.Options with { Epochs = 1 }).Fit(fnn, data.Train, data.Valid, observer);
        Assert.NotNull(fnn.PretrainedFm);
        Assert.NotNull(result.Pretraining);
        Assert.NotEmpty(result.Pretraining!.History);
        // The FM stage reports live progress but keeps its validations to itself (they are in result.Pretraining).
        Assert.Equal(result.History, observer.Evaluations);
        // The trainer reports progress at least at the end of each epoch: one epoch per stage makes at least two calls.
        Assert.True(observer.ProgressCalls >= 2, "FM-stage progress was not forwarded");
        // Stage 2 kept training the table, so it has moved away from the FM's values.
        Assert.NotEqual(fnn.PretrainedFm!.Embeddings.ValueRow(0).ToArray(), fnn.Embeddings.ValueRow(0)[1..].ToArray());
    }
}

internal sealed class RecordingObserver : ITrainingObserver
{
    public List<EvaluationRecord> Evaluations { get; } = [];

    public int ProgressCalls { get; private set; }

    public void OnProgress(in TrainProgress progress) => ProgressCalls++;

    public void OnEvaluation(EvaluationRecord record) => Evaluations.Add(record);
}
