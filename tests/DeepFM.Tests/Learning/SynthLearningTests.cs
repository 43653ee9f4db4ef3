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
/// <remarks>
/// The world is chosen so that the gap to Bayes is not dominated by estimation noise (see docs/synth.md,
/// "Learnability"): 20 values per field, effects on the 10 most frequent, stronger pairs (0.45) and weak triples
/// (0.12, still planted; only the deep part can represent them). At 600k rows an FM-type model's excess error is
/// mostly estimation of ~1,200 embeddings × k; at 200k rows DeepFM stays 0.02+ below the truth. LR is trained with
/// Adam to convergence (FTRL with 8 epochs underfits by several points, which would flatter the margin).
/// </remarks>
public class SynthLearningTests
{
    [Fact]
    public void DeepFMBeatsLRAndApproachesTheTruthAuc()
    {
        using var dir = new TempDir();
        string train = dir.File("train.tsv"), test = dir.File("test.tsv"), truth = dir.File("test.truth");
        var world = new SynthOptions { WorldSeed = 11, MaxCardinality = 20, HeadSize = 10, PairEffectScale = 0.45, TripleEffectScale = 0.12 };
        CriteoSynth.Generate(world with { Rows = 600_000, Seed = 1 }, train, null);
        CriteoSynth.Generate(world with { Rows = 40_000, Seed = 2 }, test, truth);

        var spec = new DataSpec { Train = train, Test = test, Options = new DataOptions { MinCount = 5 }, Split = new SplitOptions { ValidFraction = 0.1, Seed = 3 }, CacheDir = dir.Path };
        using var data = DataLoader.Load(spec);
        var truthP = File.ReadLines(truth).Select(l => float.Parse(l, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var labels = Predictor.Labels(data.Test!);
        double truthAuc = Metrics.Auc(truthP, labels);

        var lr = ModelTrainer.Train(data, new ModelConfig { Model = "lr" }, new TrainOptions { LearningRate = 2e-3f, Epochs = 8, BatchSize = 1024 });
        var deepfm = ModelTrainer.Train(data, new ModelConfig { Model = "deepfm", Hidden = [64, 64], Dropout = 0.1f, BatchNorm = true, L2Embedding = 1e-4f },
            new TrainOptions { Epochs = 8, BatchSize = 1024, LearningRate = 5e-3f });

        double lrAuc = lr.Test!.Value.Auc, deepAuc = deepfm.Test!.Value.Auc;
        Console.WriteLine($"truth {truthAuc:F4}  DeepFM {deepAuc:F4}  LR {lrAuc:F4}");
        Assert.True(deepAuc > lrAuc + 0.02, $"DeepFM {deepAuc:F4} should beat LR {lrAuc:F4} by 0.02 (truth {truthAuc:F4})");
        Assert.True(deepAuc > truthAuc - 0.01, $"DeepFM {deepAuc:F4} should be within 0.01 of the truth AUC {truthAuc:F4} (LR {lrAuc:F4})");
    }
}
