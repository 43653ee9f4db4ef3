using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Models;
using DeepFM.Pipeline;
using DeepFM.Serialization;
using DeepFM.Synthetic;
using DeepFM.Training;

namespace DeepFM.Tests.MLNet;

/// <summary>The README's "Three ways in" library snippet, compiled and run (kept in the MLNet group: it is about the ways in).</summary>
public sealed class ReadmeSnippetTests
{
    [Fact]
    public void Library_snippet_trains_and_predicts()
    {
        using var dir = new TempDir();
        // The README names these "train.tsv", "new.tsv", "cache" and "model.dfm"; absolute paths here, since the
        // current directory is shared with tests running in parallel.
        string trainFile = dir.File("train.tsv"), newFile = dir.File("new.tsv"), cacheDir = dir.File("cache"), modelFile = dir.File("model.dfm");
        CriteoSynth.Generate(new SynthOptions { Rows = 3000, Seed = 1, WorldSeed = 7, MaxCardinality = 500 }, trainFile, null);
        CriteoSynth.Generate(new SynthOptions { Rows = 200, Seed = 2, WorldSeed = 7, MaxCardinality = 500 }, newFile, null);

        // --- README snippet (keep in sync) ---
        float[] scores;
        using (var data = DataLoader.Load(new DataSpec { Train = trainFile, CacheDir = cacheDir })) // Criteo TSV, 10% validation
        {
            var config = new ModelConfig { EmbeddingSize = 8, Hidden = [64, 64] };
            var trained = ModelTrainer.Train(data, config, new TrainOptions { Epochs = 2 });
            Console.WriteLine($"validation AUC {trained.Valid?.Auc:F4}");
            ModelFile.Save(modelFile, trained.Saved);
        }
        var saved = ModelFile.Load(modelFile);
        using (var rows = DataPipeline.EncodeWith(newFile, saved.FeatureMap, cachePath: null)) // encoded as in training
            scores = Predictor.Predict(saved.Model, rows.All); // one click probability per row
        // --- end of snippet ---

        Assert.True(File.Exists(modelFile));
        Assert.Equal(200, scores.Length);
        Assert.All(scores, p => Assert.InRange(p, 0f, 1f));
    }
}
