using DeepFM.Cli;
using DeepFM.Cli.Commands;
using DeepFM.MLNet;
using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Tests.Models;

/// <summary>The library, <c>deepfm train</c> and the ML.NET trainer train the same model by default: one source of defaults.</summary>
public sealed class DefaultsTests
{
    private static readonly CliIO Io = new(TextWriter.Null, TextWriter.Null);

    /// <summary>What the README's library snippet trains: a config and options as written, resolved as the trainer does.</summary>
    private static (ModelConfig, TrainOptions) Library(ModelConfig config, TrainOptions options) => (config, options.ResolveFor(config.Model));

    private static (ModelConfig, TrainOptions) MLNet(DeepFMTrainerOptions options) => (options.Model, options.Training.ResolveFor(options.Model.Model));

    [Theory]
    [InlineData("deepfm")]
    [InlineData("lr")]
    public void Library_cli_and_mlnet_defaults_are_the_same(string model)
    {
        var library = Library(new ModelConfig { Model = model }, new TrainOptions());
        var cli = model == "deepfm" ? TrainCommand.ParseSettings(Io) : TrainCommand.ParseSettings(Io, "--model", model);
        var mlnet = MLNet(new DeepFMTrainerOptions { Model = new ModelConfig { Model = model } });
        Assert.Equal(cli.Config, library.Item1);
        Assert.Equal(cli.Training, library.Item2);
        Assert.Equal(cli.Config, mlnet.Item1);
        Assert.Equal(cli.Training, mlnet.Item2);
    }

    [Fact]
    public void Mlnet_default_options_train_deepfm_as_the_cli_does()
    {
        var cli = TrainCommand.ParseSettings(Io);
        var mlnet = MLNet(new DeepFMTrainerOptions());
        Assert.Equal(cli.Config, mlnet.Item1);
        Assert.Equal(cli.Training, mlnet.Item2);
    }

    [Fact]
    public void Readme_snippet_trains_what_the_cli_trains_with_the_same_settings()
    {
        // The snippet of README.md (tests/DeepFM.Tests/MLNet/ReadmeSnippetTests.cs) sets these three and nothing else.
        var library = Library(new ModelConfig { EmbeddingSize = 8, Hidden = [64, 64] }, new TrainOptions { Epochs = 2 });
        var cli = TrainCommand.ParseSettings(Io, "--embedding-size", "8", "--hidden", "64,64", "--epochs", "2");
        Assert.Equal(cli.Config, library.Item1);
        Assert.Equal(cli.Training, library.Item2);
    }

    [Fact]
    public void Per_model_defaults_follow_the_model()
    {
        // The values the command line has always used (another change may revisit them; this pins them until then).
        var lr = TrainCommand.ParseSettings(Io, "--model", "lr");
        Assert.Equal("ftrl", lr.Training.Optimizer);
        Assert.Equal(0.2f, lr.Training.LearningRate);
        Assert.Equal(0f, lr.Config.L2Embedding);
        var deep = TrainCommand.ParseSettings(Io);
        Assert.Equal("adam", deep.Training.Optimizer);
        Assert.Equal(1e-3f, deep.Training.LearningRate);
        Assert.Equal(0.1f, deep.Config.L2Embedding);
        Assert.Equal(0.1f, deep.Config.Dropout);
        Assert.True(deep.Config.BatchNorm);
        Assert.Equal(1e-4, deep.Training.MinImprovement);
        Assert.Equal(2017, deep.Config.Seed);
        Assert.Equal(2017, deep.Training.Seed);
        // An explicit setting wins over the model's default, and an unset one follows a changed model.
        Assert.Equal(0.05f, (new ModelConfig { Model = "lr", L2Embedding = 0.05f } with { Model = "deepfm" }).L2Embedding);
        Assert.Equal(0f, (new ModelConfig() with { Model = "fm" }).L2Embedding);
        Assert.Equal(0.01f, TrainCommand.ParseSettings(Io, "--model", "lr", "--optimizer", "sgd").Training.LearningRate);
    }

    [Fact]
    public void Help_shows_the_library_defaults()
    {
        var (_, output, _) = Cli.CliRunner.Run("train", "--help");
        Assert.Contains("default 0.1;", output);
        Assert.Contains("ftrl for lr", output);
        Assert.Contains("default 2017", output);
    }
}
