using DeepFM.Cli;
using DeepFM.Cli.Commands;
using DeepFM.Layers;
using DeepFM.Models;
using DeepFM.Pipeline;

namespace DeepFM.Tests.Pipeline;

/// <summary>The presets: what each sets (against the papers' own statements), that options given override them, and
/// that the command line and the library read the same objects.</summary>
public sealed class PresetTests
{
    private static readonly CliIO Io = new(TextWriter.Null, TextWriter.Null);

    [Theory]
    [InlineData("deepfm")]
    [InlineData("ipnn")]
    [InlineData("fm")]
    public void Paper_is_section_3_1(string model)
    {
        var (config, training) = TrainCommand.ParseSettings(Io, "--preset", "paper", "--model", model);
        Assert.Equal(10, config.EmbeddingSize);
        Assert.Equal([400, 400, 400], config.Hidden);
        Assert.Equal(0.5f, config.Dropout);   // "dropout 0.5": keep probability 0.5
        Assert.False(config.BatchNorm);
        Assert.Equal(0f, config.L2Embedding);
        Assert.Equal(0f, config.L2);
        Assert.Equal(model == "ipnn" ? ActivationKind.Tanh : ActivationKind.Relu, config.Activation);
        Assert.Equal("adam", training.Optimizer);
        Assert.Equal(1e-3f, training.LearningRate);
        Assert.Equal(4096, training.BatchSize);
        Assert.Equal(1, training.Epochs);
        Assert.Equal(0, Preset.Paper.ValidFraction);
    }

    [Fact]
    public void Paper_trains_lr_with_ftrl_as_the_paper_does()
    {
        var (_, training) = TrainCommand.ParseSettings(Io, "--preset", "paper", "--model", "lr");
        Assert.Equal("ftrl", training.Optimizer);
        Assert.Equal(ModelDefaults.LearningRate("ftrl"), training.LearningRate);
    }

    [Fact]
    public void Options_given_override_the_preset_and_leave_the_rest()
    {
        var (config, training) = TrainCommand.ParseSettings(Io, "--preset", "paper", "--dropout", "0.2", "--batch-norm", "true", "--optimizer", "adagrad");
        Assert.Equal(0.2f, config.Dropout);
        Assert.True(config.BatchNorm);
        Assert.Equal(0f, config.L2Embedding);
        Assert.Equal([400, 400, 400], config.Hidden);
        Assert.Equal("adagrad", training.Optimizer);
        Assert.Equal(ModelDefaults.LearningRate("adagrad"), training.LearningRate);   // another optimizer: its own default
        Assert.Equal(1, training.Epochs);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("paper")]
    [InlineData("bars")]
    public void The_cli_and_the_library_read_the_same_preset(string name)
    {
        foreach (var model in new[] { "lr", "fm", "deepfm", "ipnn", "widedeep" })
        {
            var (config, training) = TrainCommand.ParseSettings(Io, "--preset", name, "--model", model);
            var preset = Preset.Get(name);
            var libraryConfig = preset.ModelFor(model);
            var libraryTraining = preset.TrainingFor(model);
            Assert.Equal(libraryConfig, config);
            Assert.Equal(libraryConfig.Dropout, config.Dropout);
            Assert.Equal(libraryConfig.L2Embedding, config.L2Embedding);
            Assert.Equal(libraryConfig.L2, config.L2);
            Assert.Equal(libraryConfig.EmbeddingUpdate, config.EmbeddingUpdate);
            Assert.Equal(libraryConfig.EmbeddingInitStd, config.EmbeddingInitStd);
            Assert.Equal(libraryConfig.Hidden, config.Hidden);
            Assert.Equal(libraryTraining, training);
        }
    }

    [Fact]
    public void The_default_preset_is_what_no_preset_gives()
    {
        var none = TrainCommand.ParseSettings(Io);
        var named = TrainCommand.ParseSettings(Io, "--preset", "default");
        Assert.Equal(none.Config, named.Config);
        Assert.Equal(none.Config.L2Embedding, named.Config.L2Embedding);
        Assert.Equal(none.Training, named.Training);
        Assert.Equal(new ModelConfig().Dropout, named.Config.Dropout);
    }

    [Fact]
    public void Bars_follows_the_benchmarks_logged_configurations()
    {
        var deepfm = Preset.Bars.ModelFor("deepfm");
        Assert.Equal((0.05f, 0.2f, true), (deepfm.L2Embedding, deepfm.Dropout, deepfm.BatchNorm));
        Assert.Equal(EmbeddingUpdate.Dense, deepfm.EmbeddingUpdate);   // whole-table L2, as FuxiCTR's regulariser
        Assert.Equal(1e-4f, deepfm.EmbeddingInitStd);
        var widedeep = Preset.Bars.ModelFor("widedeep");
        Assert.Equal((0.1f, 0.6f), (widedeep.L2Embedding, widedeep.Dropout));
        Assert.Equal(3, Preset.Bars.TrainingFor("ipnn").Patience);
        Assert.Equal(1e-6, Preset.Bars.TrainingFor("deepfm").MinImprovement);
        Assert.Equal(1e-5f, Preset.Bars.ModelFor("lr").L2);
    }

    [Fact]
    public void The_mlnet_trainer_takes_the_same_preset()
    {
        var options = DeepFM.MLNet.DeepFMTrainerOptions.FromPreset(Preset.Paper, "deepfm");
        var (config, training) = TrainCommand.ParseSettings(Io, "--preset", "paper");
        Assert.Equal(config, options.Model);
        Assert.Equal(config.Dropout, options.Model.Dropout);
        Assert.Equal(config.L2Embedding, options.Model.L2Embedding);
        Assert.Equal(training, options.Training.ResolveFor("deepfm"));
        Assert.Equal(0, options.ValidationFraction);
    }

    [Fact]
    public void An_unknown_preset_is_a_clear_error()
    {
        var e = Assert.Throws<UserInputException>(() => Preset.Get("fast"));
        Assert.Contains("default, paper, bars", e.Message);
    }
}
