using DeepFM.Data;
using DeepFM.Pipeline;
using DeepFM.Preparation;
using DeepFM.Synthetic;
using DeepFM.Training;

namespace DeepFM.Tests.Data;

/// <summary>
/// Multi-valued CSV columns from the schema to the model: parsing <c>multi=</c>, splitting a cell (max-len, first or
/// last, empty values), the prepared jagged cache against entries encoded by hand, and, on rows with a planted bag
/// (<see cref="BagSynth"/>), declaring the field multi-valued beating its first value alone and reaching the truth's AUC.
/// </summary>
public sealed class MultiValuedColumnTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ParsesTheSchemaFormAndRoundTrips()
    {
        var s = CsvSchema.Parse("label=y;cat=user,item;num=age;multi=genres:|;multi=history:,:50:last:sum;delim=tab");
        Assert.Equal(2, s.Multi.Count);
        Assert.Equal(new MultiValuedColumn("genres", '|'), s.Multi[0]);
        Assert.Equal(new MultiValuedColumn("history", ',', 50, KeepLast: true, Pooling.Sum), s.Multi[1]);
        Assert.Equal(s.Multi, CsvSchema.Parse(s.ToString()).Multi);
        Assert.Equal('\t', MultiValuedColumn.Parse("tags:tab").Separator);

        Assert.Contains("max pooling is not supported", Assert.Throws<UserInputException>(() => MultiValuedColumn.Parse("g:|::first:max")).Message);
        Assert.Contains("not a positive whole number", Assert.Throws<UserInputException>(() => MultiValuedColumn.Parse("g:|:x")).Message);
        Assert.Contains("not first or last", Assert.Throws<UserInputException>(() => MultiValuedColumn.Parse("g:|:5:middle")).Message);
        Assert.Contains("one character", Assert.Throws<UserInputException>(() => MultiValuedColumn.Parse("g:||")).Message);
        Assert.Contains("no column name", Assert.Throws<UserInputException>(() => MultiValuedColumn.Parse(" :|")).Message);   // found by the property test
        Assert.Contains("delimiter", Assert.Throws<UserInputException>(() => CsvSchema.Parse("label=y;multi=g:,")).Message);
        Assert.Contains("named twice", Assert.Throws<UserInputException>(() => CsvSchema.Parse("label=y;cat=g;multi=g:|")).Message);
    }

    [Theory]
    [InlineData("a|b|c", 0, false, "a,b,c")]
    [InlineData("a|b|c", 2, false, "a,b")]
    [InlineData("a|b|c", 2, true, "b,c")]
    [InlineData(" a | |b||", 0, false, "a,b")]
    [InlineData("", 0, false, "")]
    [InlineData("|", 3, true, "")]
    public void SplitsACellIntoItsKeptValues(string cell, int maxLength, bool keepLast, string expected)
    {
        var column = new MultiValuedColumn("g", '|', maxLength, keepLast);
        var bytes = System.Text.Encoding.UTF8.GetBytes(cell);
        var ranges = new (int, int)[1];
        int n = column.Split(bytes, ref ranges);
        var values = ranges.Take(n).Select(r => System.Text.Encoding.UTF8.GetString(bytes, r.Item1, r.Item2));
        Assert.Equal(expected, string.Join(',', values));
    }

    [Fact]
    public void PreparedCacheHoldsEachRowsEntriesAsEncodedByHand()
    {
        string csv = _dir.Write("m.csv", "y,user,genres\n1,u1,Comedy|Drama\n0,u2,\n1,u1,Drama\n0,u3,Drama|Horror|Comedy\n");
        var options = new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=y;cat=user;multi=genres:|") };
        string cache = _dir.File("m.cache");
        using (var data = DataPipeline.Prepare(csv, cache, options, SplitOptions.None))
        {
            var map = data.FeatureMap;
            Assert.True(map.HasMultiValuedFields);
            Assert.Equal(FieldKind.MultiCategorical, map.Fields[1].Kind);
            // Vocabulary by count: Drama 3, Comedy 2, Horror 1 (local ids 1..3 after OOV 0).
            int genres = map.Fields[1].Offset;
            Assert.Equal("Drama", map.Fields[1].KeyOf(genres + 1));
            Assert.Equal("Comedy", map.Fields[1].KeyOf(genres + 2));
            Assert.Equal("Horror", map.Fields[1].KeyOf(genres + 3));
            var rows = data.All;
            var batch = rows.CreateBatch(4);
            rows.Gather([0, 1, 2, 3], batch);
            Assert.True(batch.IsJagged);
            (int[] Ids, float[] Values) Field(int row, int f)
            {
                var (start, length) = batch.Entries(row, f);
                return (batch.Ids.Slice(start, length).ToArray(), batch.Values.Slice(start, length).ToArray());
            }
            Assert.Equal([genres + 2, genres + 1], Field(0, 1).Ids);        // Comedy|Drama, in the row's order
            Assert.Equal([0.5f, 0.5f], Field(0, 1).Values);               // mean pooling
            Assert.Empty(Field(1, 1).Ids);                                  // an empty list: no entries
            Assert.Equal([genres + 1], Field(2, 1).Ids);
            Assert.Equal([genres + 1, genres + 3, genres + 2], Field(3, 1).Ids);
            Assert.Equal(1f / 3, Field(3, 1).Values[0]);
            Assert.Equal([map.Fields[0].Offset + 1], Field(0, 0).Ids);    // u1, the most frequent user
            Assert.Equal(1f, batch.Labels[0]);
        }
        Assert.True(DataPipeline.IsCurrent(cache, csv, options, SplitOptions.None), "a prepared jagged cache is reused while its source is unchanged");

        // A file encoded with the map later (a test file) has the same entries for the same rows; unseen values are OOV.
        string extra = _dir.Write("t.csv", "y,user,genres\n1,u1,Comedy|Drama\n0,u9,Western\n");
        using var prepared = DataPipeline.Open(cache);
        using var encoded = DataPipeline.EncodeWith(extra, prepared.FeatureMap, null);
        var b = encoded.All.CreateBatch(2);
        encoded.All.Gather([0, 1], b);
        int g = prepared.FeatureMap.Fields[1].Offset;
        var (s1, l1) = b.Entries(1, 1);
        Assert.Equal([g], b.Ids.Slice(s1, l1).ToArray());                // Western: the field's OOV id
        var streamed = DataPipeline.StreamBatches(extra, prepared.FeatureMap, 8).First();
        Assert.Equal(b.Ids.ToArray(), streamed.Ids.ToArray());
        Assert.Equal(b.Values.ToArray(), streamed.Values.ToArray());
    }

    [Fact]
    public void DeclaringTheBagMultiValuedBeatsItsFirstValueAndReachesTheTruth()
    {
        string train = _dir.File("bags.csv"), test = _dir.File("test.csv"), truth = _dir.File("test.truth");
        BagSynth.Generate(600_000, seed: 1, worldSeed: 5, train, null);
        BagSynth.Generate(50_000, seed: 2, worldSeed: 5, test, truth);
        var labels = File.ReadLines(test).Skip(1).Select(l => l[0] == '1' ? 1f : 0f).ToArray();
        var p = File.ReadLines(truth).Select(l => float.Parse(l, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        double truthAuc = DeepFM.Evaluation.Metrics.Auc(p, labels);

        double Auc(string schema)
        {
            var spec = new DataSpec
            {
                Train = train, Test = test, CacheDir = _dir.Path,
                Options = new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse(schema) },
                Split = new SplitOptions { ValidFraction = 0.1, Seed = 1 },
            };
            using var data = DataLoader.Load(spec);
            return ModelTrainer.Train(data, new DeepFM.Models.ModelConfig { Model = "fm" }, new TrainOptions()).Test!.Value.Auc;
        }
        double bag = Auc("label=label;cat=user,item;multi=tags:|");
        double first = Auc("label=label;cat=user,item;multi=tags:|:1:first");
        Console.WriteLine($"truth {truthAuc:F4}, multi-valued {bag:F4}, first value only {first:F4}");
        Assert.True(bag > first + 0.03, $"the pooled bag {bag:F4} should beat its first value {first:F4} by 0.03");
        Assert.True(bag > truthAuc - 0.01, $"the pooled bag {bag:F4} should be within 0.01 of the truth {truthAuc:F4}");
    }
}
