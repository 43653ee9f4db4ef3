using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Evaluation;
using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Tests.Training;

/// <summary>Calibrated by construction: every model's output bias is the logit's constant, and training starts it at
/// the training data's log-odds.</summary>
public sealed class OutputBiasTests
{
    private const int Fields = 3, PerField = 10;

    public static TheoryData<string> AllModels() => [.. ModelRegistry.Names];

    private static ModelConfig Small(string model) => new() { Model = model, EmbeddingSize = 4, Hidden = [8], Dropout = 0, BatchNorm = false };

    /// <summary>Imbalanced rows (~2% positives) with no signal: the best any model can do is the base rate.</summary>
    private static InMemoryRowSet Imbalanced(int rows, int seed)
    {
        var rng = new Random(seed);
        var ids = new int[rows * Fields];
        var labels = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int f = 0; f < Fields; f++) ids[r * Fields + f] = f * PerField + rng.Next(PerField);
            labels[r] = rng.NextDouble() < 0.02 ? 1 : 0;
        }
        return new InMemoryRowSet(Fields, ids, Enumerable.Repeat(1f, ids.Length).ToArray(), labels);
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public void The_output_bias_shifts_every_logit_by_its_change(string name)
    {
        var model = ModelRegistry.Create(Small(name), new FeatureSpace(Fields, Fields * PerField));
        var bias = model.OutputBias;
        Assert.NotNull(bias);
        var rows = Imbalanced(16, 1);
        var batch = new Batch(16, Fields);
        rows.Slice(0, 16, batch);
        var ws = new Workspace(isTraining: false, ComputeContext.Serial);
        float[] before = model.Forward(batch, ws).Span.ToArray();
        bias!.Value[0] += 1.5f;
        float[] after = model.Forward(batch, ws).Span.ToArray();
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i] + 1.5f, after[i], 4);
    }

    [Theory]
    [InlineData("deepfm")]
    [InlineData("fm")]
    [InlineData("ipnn")]
    public void Training_starts_from_the_base_rate(string name)
    {
        var train = Imbalanced(4000, 2);
        double rate = Predictor.PositiveRate(train);
        Assert.InRange(rate, 0.01, 0.03);
        // A learning rate too small to move anything: what the model predicts is where training started.
        var options = new TrainOptions { Epochs = 1, BatchSize = 512, LearningRate = 1e-9f, Optimizer = "sgd", Threads = 1 };
        var model = ModelRegistry.Create(Small(name), new FeatureSpace(Fields, Fields * PerField));
        new Trainer(options).Fit(model, train, null);
        var result = EvalResult.Of(Predictor.Predict(model, train), Predictor.Labels(train));
        Assert.InRange(result.CalibrationRatio, 0.8, 1.25);
        Assert.InRange(result.NormalizedEntropy, 0.99, 1.05);

        var plain = ModelRegistry.Create(Small(name), new FeatureSpace(Fields, Fields * PerField));
        new Trainer(options with { InitializeBiasToLogOdds = false }).Fit(plain, train, null);
        var uncalibrated = EvalResult.Of(Predictor.Predict(plain, train), Predictor.Labels(train));
        Assert.True(uncalibrated.CalibrationRatio > 10, $"without the initialisation the model predicts ~0.5: ratio {uncalibrated.CalibrationRatio}");
    }
}
