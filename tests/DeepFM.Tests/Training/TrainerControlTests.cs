using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Tests.Training;

/// <summary>
/// The trainer's control flow against a scripted model whose validation AUC per epoch is chosen by the test:
/// early stopping, patience, plateau decay of the learning rate, and restoring the best weights.
/// </summary>
public class TrainerControlTests
{
    /// <summary>Scores rows by <c>label·q + noise(row)</c>, q taken from a script indexed by the epoch it has reached
    /// (counted in a saved buffer that Backward advances), so validation AUC rises and falls with the script.</summary>
    private sealed class ScriptedModel : CtrModel
    {
        private readonly double[] _quality;
        private readonly int _stepsPerEpoch;
        private readonly Matrix _logits = new();

        public ScriptedModel(double[] quality, int stepsPerEpoch) : base(new ModelConfig { Model = "scripted" }, new FeatureSpace(1, 100))
        {
            _quality = quality;
            _stepsPerEpoch = stepsPerEpoch;
            Steps = AddParameter("steps", 1, 1, trainable: false);
            Weight = AddParameter("w", 1, 1);   // something for the optimizer to update
        }

        public Parameter Steps { get; }
        public Parameter Weight { get; }

        public override Matrix Forward(Batch batch, Workspace ws)
        {
            int epoch = (int)Steps.Value[0] / _stepsPerEpoch;   // epochs completed
            double q = _quality[Math.Clamp(epoch - 1, 0, _quality.Length - 1)];
            _logits.Reshape(batch.Size, 1);
            for (int r = 0; r < batch.Size; r++)
            {
                uint h = (uint)batch.Ids[r] * 2654435761u;
                double noise = (h >> 8) / (double)(1 << 24);
                _logits.Span[r] = (float)(batch.Labels[r] * q + noise);
            }
            return _logits;
        }

        public override void Backward(Matrix gradLogits, Workspace ws)
        {
            if (ws.IsTraining) Steps.Value[0] += 1;
            Weight.Grad[0] += 0.01f;
        }

        public override string ToOnnx(IOnnxGraph graph) => throw new NotSupportedException();
    }

    private static InMemoryRowSet Rows(int count, int seed)
    {
        var rng = new Rng((ulong)seed);
        var ids = new int[count];
        var labels = new float[count];
        for (int i = 0; i < count; i++) { ids[i] = rng.NextInt(100); labels[i] = rng.NextFloat() < 0.4f ? 1 : 0; }
        return new InMemoryRowSet(1, ids, Enumerable.Repeat(1f, count).ToArray(), labels);
    }

    [Fact]
    public void StopsAfterPatienceNonImprovingEpochsDecaysLrAndRestoresTheBestWeights()
    {
        var train = Rows(400, 1);
        var valid = Rows(2000, 2);
        int batch = 100, stepsPerEpoch = 4;
        // Validation quality per epoch: improves twice, then gets worse twice → stop after epoch 4, best epoch 2.
        var model = new ScriptedModel([0.2, 0.5, 0.4, 0.3, 0.9, 0.9], stepsPerEpoch);
        var options = new TrainOptions { Epochs = 10, BatchSize = batch, Optimizer = "sgd", LearningRate = 0.1f, Patience = 2, LrDecayOnPlateau = 0.1f };
        var result = new Trainer(options).Fit(model, train, valid);

        Assert.Equal(4, result.Epochs);
        Assert.True(result.StoppedEarly);
        Assert.Equal(2, result.BestEpoch);
        Assert.Equal(new[] { true, true, false, false }, result.History.Select(h => h.Improved).ToArray());
        // The learning rate in force during each epoch: decayed after each non-improving validation.
        Assert.Equal(new[] { 0.1f, 0.1f, 0.1f, 0.01f }, result.History.Select(h => h.LearningRate).ToArray(), new FloatClose());
        // Best weights restored: the step counter (a saved buffer) is back at the end of epoch 2.
        Assert.Equal(2 * stepsPerEpoch, model.Steps.Value[0]);
        Assert.True(result.History[1].ValidAuc > result.History[2].ValidAuc && result.History[2].ValidAuc > result.History[3].ValidAuc);
    }

    [Fact]
    public void EvaluatesEveryNStepsWhenAsked()
    {
        var model = new ScriptedModel([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], 4);
        var options = new TrainOptions { Epochs = 2, BatchSize = 100, Optimizer = "sgd", LearningRate = 0.1f, EvalEverySteps = 2, Patience = 10 };
        var result = new Trainer(options).Fit(model, Rows(400, 3), Rows(500, 4));
        Assert.Equal(new long[] { 2, 4, 6, 8 }, result.History.Select(h => h.Step).ToArray());
    }

    [Fact]
    public void CancellationStopsTrainingAndReportsIt()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var model = new ScriptedModel([0.5], 4);
        var result = new Trainer(new TrainOptions { Epochs = 5, BatchSize = 100, Optimizer = "sgd" }).Fit(model, Rows(400, 5), Rows(200, 6), cancel: cts.Token);
        Assert.True(result.Cancelled);
        Assert.Equal(0, model.Steps.Value[0]);
    }

    [Fact]
    public void OneClassValidationIsAClearErrorBeforeTraining()
    {
        var valid = new InMemoryRowSet(1, [1, 2, 3], [1, 1, 1], [1, 1, 1]);
        var model = new ScriptedModel([0.5], 4);
        var e = Assert.Throws<UserInputException>(() => new Trainer(new TrainOptions { BatchSize = 100, Optimizer = "sgd" }).Fit(model, Rows(400, 7), valid));
        Assert.Contains("label 1", e.Message);
        Assert.Equal(0, model.Steps.Value[0]);
    }

    [Theory]
    [InlineData(0, 0.1f, 10f, 0)]
    [InlineData(2, 0f, 10f, 0)]
    [InlineData(2, 1.5f, 10f, 0)]
    [InlineData(2, 0.1f, -1f, 0)]
    [InlineData(2, 0.1f, 10f, -3)]
    public void BadOptionsAreRejected(int patience, float decay, float clip, int evalEvery) =>
        Assert.Throws<UserInputException>(() => new Trainer(new TrainOptions { Patience = patience, LrDecayOnPlateau = decay, ClipNorm = clip, EvalEverySteps = evalEvery }));

    private sealed class FloatClose : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= 1e-6f * Math.Max(1, Math.Abs(a));
        public int GetHashCode(float f) => 0;
    }
}
