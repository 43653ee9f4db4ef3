using System.Diagnostics;
using DeepFM.Engine;
using DeepFM.Models;

namespace DeepFM.Tests.Models;

public class ModelSizeTests
{
    [Theory]
    [InlineData(20000)]
    [InlineData(27000)]
    [InlineData(100000)]
    public void HugeEmbeddingTableIsAUserErrorBeforeAnyAllocation(int k)
    {
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<UserInputException>(() => ModelRegistry.Create(new ModelConfig { EmbeddingSize = k }, new FeatureSpace(39, 200_000)));
        Assert.Contains("embedding size " + k, e.Message);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 5);
    }

    [Fact]
    public void BatchActivationsPastOneArrayAreAUserError()
    {
        // 4096 × 39 × 20000 = 3.2e9 numbers: an int product wrapped around and the gather wrote past its buffer.
        var e = Assert.Throws<UserInputException>(() => ModelSize.Validate(new ModelConfig { EmbeddingSize = 20000 }, new FeatureSpace(39, 1000), batchSize: 4096));
        Assert.Contains("batch × fields × k", e.Message);
    }

    [Fact]
    public void ModelsLargerThanTheMemoryAreAUserErrorNamingTheNeed()
    {
        // Every array fits, the whole does not fit any test machine (~1e10 parameters).
        var config = new ModelConfig { EmbeddingSize = 10, Hidden = [.. Enumerable.Repeat(40_000, 8)] };
        var e = Assert.Throws<UserInputException>(() => ModelRegistry.Create(config, new FeatureSpace(39, 1000)));
        Assert.Contains("would need at least", e.Message);
        Assert.Contains("GiB", e.Message);
    }

    [Fact]
    public void LogisticRegressionIgnoresTheEmbeddingSize()
    {
        ModelSize.Validate(new ModelConfig { Model = "lr", EmbeddingSize = 100000 }, new FeatureSpace(39, 1000), batchSize: 4096);
    }

    [Fact]
    public void MatrixShapesPastOneArrayThrowInsteadOfWrapping()
    {
        var m = new Matrix();
        Assert.Throws<InvalidOperationException>(() => m.Reshape(4096, 39 * 20000));
    }
}
