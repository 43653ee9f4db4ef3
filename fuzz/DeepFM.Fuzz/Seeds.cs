using System.Text;
using DeepFM.Data;
using DeepFM.Models;
using DeepFM.Preparation;
using DeepFM.Serialization;
using DeepFM.Synthetic;
using DeepFM.Training;

namespace DeepFM.Fuzz;

/// <summary>
/// Writes the seed corpus of every target: small generated files (synthetic Criteo rows, hand-written libsvm, CSV,
/// schema and field-map strings, serving bodies) and tiny binary files made by the library itself (a feature map, a
/// model file, a checkpoint, fixed-width and jagged caches). Nothing is copied from the shared data sets.
/// </summary>
internal static class Seeds
{
    private const string TinyCsv = "y,a,b,x,g\n1,u1,i1,3.5,Comedy|Drama\n0,u2,i2,,\n1,\"u,3\",i1,-2,Action|Comedy\n0,u1,i3,7,Drama\n1,u2,i2,0.5,\n";

    public static void Write(string root)
    {
        var tmp = Directory.CreateTempSubdirectory("deepfm-fuzz-seeds-").FullName;
        try
        {
            string synth = Path.Combine(tmp, "s.tsv");
            CriteoSynth.Generate(new SynthOptions { Rows = 6, Seed = 3 }, synth, null);
            var lines = File.ReadAllLines(synth);
            Put(root, "criteo", "rows", string.Join('\n', lines) + "\n");
            Put(root, "criteo", "one", lines[0] + "\r\n");
            Put(root, "criteo", "short", "0\t1\t\t3\n1\t\t\t\t\t\t\t\t\t\t\t\t\t\ta\tb\n");
            Put(root, "tsv", "rows", string.Join('\n', lines[..3]) + "\n");
            Put(root, "tsv", "nolabel", string.Join('\n', lines[3..].Select(l => l[(l.IndexOf('\t') + 1)..])) + "\r\n");

            Put(root, "libsvm", "positional", "1 0:1 1:0.5 2:3\n-1 0:2 1:1 2:1\n+1 0:7 1:2.5e1 2:0\n");
            Put(root, "libsvm", "mapped", "0 3:1 10:1 20:1\n1\t4:1\t11:1\t21:1\r\n");

            Put(root, "csv", "multi", "label=y;cat=a,b;num=x;multi=g:|:2:last:sum\n" + TinyCsv);
            Put(root, "csv", "semicolon", "label=y;num=x;multi=g:|;delim=semicolon\n" + TinyCsv.Replace(',', ';'));
            Put(root, "csv", "all", "label=y;cat=*\n" + TinyCsv);

            Put(root, "schema", "full", "label=y;cat=a,b;num=x,z;multi=g:|:3:last:sum;delim=tab");
            Put(root, "schema", "star", "label=click;cat=*;num=I1,I2");
            Put(root, "schema", "multi", "label=y;multi=history:,:50:last;delim=;");
            Put(root, "fieldmap", "two", "user:0-956,item:957-5038");
            Put(root, "fieldmap", "three", "a:0-5, b:6-15 ,c:16-30");

            Put(root, "json", "rows", "{\"rows\": [{\"I1\": 3, \"I2\": -1, \"C1\": \"68fd1e64\", \"C2\": null}, {\"C3\": \"x\", \"I13\": 9223372036854775807}]}");
            Put(root, "json", "empty", "{\"rows\": []}");
            Put(root, "json", "escapes", "{\"rows\": [{\"C1\": \"\\u00e9\\n\", \"I1\": 0}]}");

            // Binary formats, from a small CSV prepared by the library.
            string csv = Path.Combine(tmp, "t.csv");
            File.WriteAllText(csv, TinyCsv);
            var options = new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=y;cat=a,b;num=x"), NumericEncoding = NumericEncoding.Value };
            string fixedCache = Path.Combine(tmp, "fixed.cache"), jaggedCache = Path.Combine(tmp, "jagged.cache");
            using (DataPipeline.Prepare(csv, fixedCache, options, new SplitOptions { ValidFraction = 0.3, Seed = 1 })) { }
            using (DataPipeline.Prepare(csv, jaggedCache, options with { CsvSchema = CsvSchema.Parse("label=y;cat=a;multi=g:|") }, SplitOptions.None)) { }
            Put(root, "cache", "fixed", File.ReadAllBytes(fixedCache));
            Put(root, "cache", "jagged", File.ReadAllBytes(jaggedCache));

            using var data = DataPipeline.Open(fixedCache);
            var map = data.FeatureMap;
            var ms = new MemoryStream();
            using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true)) map.Write(w);
            Put(root, "featuremap", "map", ms.ToArray());

            var config = new ModelConfig { Model = "deepfm", EmbeddingSize = 2, Hidden = [2], Seed = 1 };
            var model = ModelRegistry.Create(config, new FeatureSpace(map.FieldCount, map.FeatureCount));
            var trainOptions = new TrainOptions { Epochs = 1, BatchSize = 2, Optimizer = "adam", Seed = 2 };
            var resolved = trainOptions.ResolveFor(config.Model);
            string ck = Path.Combine(tmp, "ck");
            var writer = new CheckpointWriter(ck, map, resolved,
                new CheckpointData { TrainRows = data.Train.Count, ValidRows = data.Valid.Count, FeatureMapHash = map.Hash },
                new CheckpointSchedule { EverySteps = 1, AtEpochEnd = false }, keep: 1);
            new Trainer(trainOptions).Fit(model, data.Train, data.Valid,
                new TrainingState(Optimizer.Create(resolved.Optimizer!, resolved.LearningRate!.Value)), checkpoints: writer);
            // The targets append the SHA-256 themselves: the seeds are the files without theirs.
            Put(root, "checkpoint", "ckpt", WithoutChecksum(File.ReadAllBytes(Checkpoint.List(ck).Single())));
            string dfm = Path.Combine(tmp, "m.dfm");
            ModelFile.Save(dfm, new SavedModel(model, map, new ModelMetadata { Epochs = 1 }));
            Put(root, "model", "dfm", WithoutChecksum(File.ReadAllBytes(dfm)));
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }

    private static byte[] WithoutChecksum(byte[] file) => file[..^32];

    private static void Put(string root, string target, string name, string text) => Put(root, target, name, Encoding.UTF8.GetBytes(text));

    private static void Put(string root, string target, string name, byte[] bytes)
    {
        Directory.CreateDirectory(Path.Combine(root, target));
        File.WriteAllBytes(Path.Combine(root, target, name), bytes);
    }

    /// <summary>Writes (once) and returns a small untrained Criteo model for the serving targets.</summary>
    public static string CriteoModel(string stem)
    {
        string dfm = stem + ".dfm";
        if (File.Exists(dfm)) return dfm;
        string tsv = stem + ".tsv", cache = stem + ".cache";
        CriteoSynth.Generate(new SynthOptions { Rows = 300, Seed = 5 }, tsv, null);
        using (var data = DataPipeline.Prepare(tsv, cache, new DataOptions { MinCount = 2 }, SplitOptions.None))
        {
            var model = ModelRegistry.Create(new ModelConfig { Model = "deepfm", EmbeddingSize = 2, Hidden = [4], Seed = 1 },
                new FeatureSpace(data.FeatureMap.FieldCount, data.FeatureMap.FeatureCount));
            ModelFile.Save(dfm, new SavedModel(model, data.FeatureMap, new ModelMetadata()));
        }
        File.Delete(tsv);
        File.Delete(cache);
        return dfm;
    }
}
