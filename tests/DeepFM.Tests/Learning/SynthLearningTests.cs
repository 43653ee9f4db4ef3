using DeepFM.Data;
using DeepFM.Evaluation;
using DeepFM.Models;
using DeepFM.Pipeline;
using DeepFM.Synthetic;
using DeepFM.Training;

namespace DeepFM.Tests.Learning;

/// <summary>
/// Learning on data with planted structure: `synth` plants order-2 and order-3 effects, so DeepFM must beat LR
/// clearly and approach the Bayes-optimal AUC computed from the truth file.
/// </summary>
public class SynthLearningTests
{
    [Fact]
    public void DeepFMBeatsLRAndApproachesTheTruthAuc()
    {
        using var dir = new TempDir();
        string train = dir.File("train.tsv"), test = dir.File("test.tsv"), truth = dir.File("test.truth");
        var world = new SynthOptions { WorldSeed = 11, MaxCardinality = 20_000 };
        CriteoSynth.Generate(world with { Rows = 240_000, Seed = 1 }, train, null);
        CriteoSynth.Generate(world with { Rows = 40_000, Seed = 2 }, test, truth);

        var spec = new DataSpec { Train = train, Test = test, Options = new DataOptions { MinCount = 5 }, Split = new SplitOptions { ValidFraction = 0.1, Seed = 3 }, CacheDir = dir.Path };
        using var data = DataLoader.Load(spec);
        var truthP = File.ReadLines(truth).Select(l => float.Parse(l, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var labels = Predictor.Labels(data.Test!);
        double truthAuc = Metrics.Auc(truthP, labels);

        var lr = ModelTrainer.Train(data, new ModelConfig { Model = "lr" }, new TrainOptions { Optimizer = "ftrl", LearningRate = 0.05f, Epochs = 8, BatchSize = 1024 });
        var deepfm = ModelTrainer.Train(data, new ModelConfig { Model = "deepfm", Hidden = [200, 200], Dropout = 0.1f, BatchNorm = true },
            new TrainOptions { Epochs = 8, BatchSize = 1024, LearningRate = 2e-3f });

        double lrAuc = lr.Test!.Value.Auc, deepAuc = deepfm.Test!.Value.Auc;
        Assert.True(deepAuc > lrAuc + 0.02, $"DeepFM {deepAuc:F4} should beat LR {lrAuc:F4} by 0.02 (truth {truthAuc:F4})");
        Assert.True(deepAuc > truthAuc - 0.01, $"DeepFM {deepAuc:F4} should be within 0.01 of the truth AUC {truthAuc:F4} (LR {lrAuc:F4})");
    }
}
