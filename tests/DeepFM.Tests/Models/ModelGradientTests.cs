using DeepFM.Layers;
using DeepFM.Models;

namespace DeepFM.Tests.Models;

public class ModelGradientTests
{
    public static TheoryData<string> AllModels() => [.. ModelRegistry.Names];

    [Theory]
    [MemberData(nameof(AllModels))]
    public void WholeModelMatchesFiniteDifferences(string model) =>
        // ReLU kinks crossed by the ±ε probe bias a few coordinates, so the relu check is looser than the smooth one below.
        ModelGradientCheck.Check(model, new ModelConfig { Hidden = [16, 8], EmbeddingSize = 4 }, relTol: 6e-2);

    [Theory]
    [MemberData(nameof(AllModels))]
    public void WholeModelWithBatchNormAndTanhMatchesFiniteDifferences(string model) =>
        ModelGradientCheck.Check(model, new ModelConfig { Hidden = [12, 12, 6], EmbeddingSize = 3, BatchNorm = true, Activation = ActivationKind.Tanh });

    [Fact]
    public void DenseEmbeddingUpdatesGiveTheSameGradients() =>
        ModelGradientCheck.Check("deepfm", new ModelConfig { Hidden = [12, 6], EmbeddingSize = 3, BatchNorm = true, Activation = ActivationKind.Tanh },
            update: EmbeddingUpdate.Dense);

    [Fact]
    public void AutoEmbeddingUpdateIsDenseOnlyForSmallTables()
    {
        var small = ModelRegistry.Create(new ModelConfig { Hidden = [4] }, new FeatureSpace(3, 1000));
        var large = ModelRegistry.Create(new ModelConfig { Hidden = [4] }, new FeatureSpace(3, 200_000));
        Assert.All(small.Parameters().Where(p => p.Name.EndsWith("table", StringComparison.Ordinal)), p => Assert.False(p.IsSparse));
        Assert.All(large.Parameters().Where(p => p.Name == "embedding.table"), p => Assert.True(p.IsSparse));
    }

    [Fact]
    public void DeepFMLogitIsOrderOnePlusPairwisePlusDnn()
    {
        // With the DNN's output layer zeroed, DeepFM must reduce to an FM over the same shared embeddings.
        var space = ModelGradientCheck.Space;
        var config = new ModelConfig { Hidden = [8], EmbeddingSize = 3, Dropout = 0, EmbeddingInitStd = 0.5f };
        var deepfm = (DeepFMModel)ModelRegistry.Create(config, space);
        var last = deepfm.Parameters().Where(p => p.Name.StartsWith("dnn.", StringComparison.Ordinal)).TakeLast(2).ToArray();
        foreach (var p in last) Array.Clear(p.Value);
        var batch = ModelGradientCheck.RandomBatch(space, 6, new DeepFM.Engine.Rng(3));
        var w = deepfm.Parameters().Single(p => p.Name == "linear.w.table").Value;
        var v = deepfm.Parameters().Single(p => p.Name == "embedding.table");
        var logits = deepfm.Forward(batch, new DeepFM.Engine.Workspace(isTraining: false)).Span.ToArray();
        int m = space.FieldCount, k = 3;
        for (int r = 0; r < 6; r++)
        {
            double expected = 0;
            for (int i = 0; i < m; i++)
            {
                int a = batch.IdBuffer[r * m + i];
                float xa = batch.ValueBuffer[r * m + i];
                expected += w[a] * xa;
                for (int j = i + 1; j < m; j++)
                {
                    int b = batch.IdBuffer[r * m + j];
                    float xb = batch.ValueBuffer[r * m + j];
                    for (int d = 0; d < k; d++) expected += v.Value[a * k + d] * xa * v.Value[b * k + d] * xb;
                }
            }
            Assert.Equal(expected, logits[r], 4);
        }
    }
}
