using DeepFM.Experiments;
using DeepFM.Layers;
using DeepFM.Models;

namespace DeepFM.Tests.Experiments;

public sealed class StudyTests
{
    [Theory]
    [InlineData(NetworkShape.Constant, new[] { 200, 200, 200 })]
    [InlineData(NetworkShape.Increasing, new[] { 100, 200, 300 })]
    [InlineData(NetworkShape.Decreasing, new[] { 300, 200, 100 })]
    [InlineData(NetworkShape.Diamond, new[] { 150, 300, 150 })]
    public void Shape_ThreeLayers600Neurons_IsThePapersExample(NetworkShape shape, int[] expected) =>
        Assert.Equal(expected, Study.Shape(shape, 3, 600));

    [Theory]
    [InlineData(NetworkShape.Constant, 4, 1000, new[] { 250, 250, 250, 250 })]
    [InlineData(NetworkShape.Increasing, 4, 1000, new[] { 100, 200, 300, 400 })]
    [InlineData(NetworkShape.Diamond, 5, 900, new[] { 100, 200, 300, 200, 100 })]
    [InlineData(NetworkShape.Diamond, 4, 600, new[] { 100, 200, 200, 100 })]
    [InlineData(NetworkShape.Decreasing, 1, 400, new[] { 400 })]
    public void Shape_Generalises(NetworkShape shape, int layers, int total, int[] expected) =>
        Assert.Equal(expected, Study.Shape(shape, layers, total));

    [Theory]
    [InlineData(NetworkShape.Constant)]
    [InlineData(NetworkShape.Increasing)]
    [InlineData(NetworkShape.Decreasing)]
    [InlineData(NetworkShape.Diamond)]
    public void Shape_RoundsToTheExactTotal(NetworkShape shape)
    {
        foreach (var (layers, total) in new[] { (3, 100), (7, 1000), (2, 3), (5, 5), (6, 601) })
        {
            var widths = Study.Shape(shape, layers, total);
            Assert.Equal(layers, widths.Length);
            Assert.Equal(total, widths.Sum());
            Assert.All(widths, w => Assert.True(w >= 1));
        }
    }

    [Fact]
    public void Shape_RejectsTooFewNeurons() =>
        Assert.Throws<UserInputException>(() => Study.Shape(NetworkShape.Constant, 3, 2));

    [Theory]
    [InlineData(1.0, 0.0f)]
    [InlineData(0.9, 0.1f)]
    [InlineData(0.8, 0.2f)]
    [InlineData(0.7, 0.3f)]
    [InlineData(0.6, 0.4f)]
    [InlineData(0.5, 0.5f)]
    public void KeepProbability_MapsToDropRate(double keep, float drop)
    {
        Assert.Equal(drop, Study.KeepToDropRate(keep));
        Assert.Equal(keep, Study.DropRateToKeep(drop), 6);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(-0.1)]
    public void KeepProbability_OutOfRange_Throws(double keep) =>
        Assert.Throws<UserInputException>(() => Study.KeepToDropRate(keep));

    [Fact]
    public void DropoutSweep_DefaultsToThePapersKeepProbabilities()
    {
        var values = Study.Values(StudyParameter.Dropout, null, new StudySizes(3, 400, 1200));
        Assert.Equal(["1.0", "0.9", "0.8", "0.7", "0.6", "0.5"], values.Select(v => v.Label).ToArray());
        var drops = values.Select(v => v.Apply(new ModelConfig()).Dropout).ToArray();
        Assert.Equal([0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f], drops);
    }

    [Fact]
    public void NetworkSweeps_HoldTheOtherSizeFixed()
    {
        var sizes = new StudySizes(Layers: 3, Neurons: 400, Total: 600);
        var neurons = Study.Values(StudyParameter.Neurons, null, sizes);
        Assert.Equal(["100", "200", "400", "800"], neurons.Select(v => v.Label).ToArray());
        Assert.Equal([800, 800, 800], neurons[3].Apply(new ModelConfig()).Hidden);

        var layers = Study.Values(StudyParameter.Layers, null, sizes);
        Assert.Equal(["1", "3", "5", "7"], layers.Select(v => v.Label).ToArray());
        Assert.Equal(Enumerable.Repeat(400, 7).ToArray(), layers[3].Apply(new ModelConfig()).Hidden);

        var shapes = Study.Values(StudyParameter.Shape, null, sizes);
        Assert.Equal(["constant", "increasing", "decreasing", "diamond"], shapes.Select(v => v.Label).ToArray());
        Assert.Equal([150, 300, 150], shapes[3].Apply(new ModelConfig()).Hidden);

        var activations = Study.Values(StudyParameter.Activation, null, sizes);
        Assert.Equal([ActivationKind.Relu, ActivationKind.Tanh], activations.Select(v => v.Apply(new ModelConfig()).Activation).ToArray());
    }

    [Fact]
    public void StudySizes_DefaultFromHidden() =>
        Assert.Equal(new StudySizes(3, 200, 600), StudySizes.From([200, 200, 200]));

    [Fact]
    public void Plan_IsModelByModel()
    {
        var values = Study.Values(StudyParameter.Activation, ["relu", "tanh"], new StudySizes(1, 8, 8));
        var runs = Study.Plan(["deepfm", "fm"], values, m => new ModelConfig { Model = m }, _ => new DeepFM.Training.TrainOptions());
        Assert.Equal(["deepfm relu", "deepfm tanh", "fm relu", "fm tanh"], runs.Select(r => $"{r.Model} {r.Setting}").ToArray());
    }

    [Theory]
    [InlineData("activation", StudyParameter.Activation)]
    [InlineData("Dropout", StudyParameter.Dropout)]
    [InlineData("neurons", StudyParameter.Neurons)]
    [InlineData("layers", StudyParameter.Layers)]
    [InlineData("shape", StudyParameter.Shape)]
    public void ParseParameter(string text, StudyParameter expected) => Assert.Equal(expected, Study.ParseParameter(text));
}

public sealed class PaperModelsTests
{
    [Theory]
    [InlineData("lr", "LR")]
    [InlineData("pnn", "PNN*")]
    [InlineData("widedeep", "LR & DNN")]
    [InlineData("fmdnn", "FM & DNN")]
    [InlineData("DeepFM", "DeepFM")]
    [InlineData("somethingnew", "somethingnew")]
    public void Label(string name, string label) => Assert.Equal(label, PaperModels.Label(name));

    [Fact]
    public void All_IsEveryRegisteredModel_InThePapersOrder()
    {
        var all = PaperModels.All();
        Assert.Equal(ModelRegistry.Names.OrderBy(n => n), all.OrderBy(n => n));
        Assert.Equal("lr", all[0]);
        Assert.True(all.ToList().IndexOf("fm") < all.ToList().IndexOf("deepfm"));
        Assert.DoesNotContain("lr", PaperModels.Deep());
        Assert.DoesNotContain("fm", PaperModels.Deep());
        Assert.Contains("deepfm", PaperModels.Deep());
    }

    [Fact]
    public void Parse_KeepsTheGivenOrder_AndRejectsUnknownNames()
    {
        Assert.Equal(["deepfm", "lr"], PaperModels.Parse("DeepFM, lr, deepfm"));
        Assert.Equal(PaperModels.All(), PaperModels.Parse("all"));
        Assert.Equal(PaperModels.Deep(), PaperModels.Parse(null, deepByDefault: true));
        Assert.Throws<UserInputException>(() => PaperModels.Parse("lr,bogus"));
    }
}
