using System.Text;
using DeepFM.Data;
using DeepFM.Preparation;

namespace DeepFM.Tests.Data;

public class SplitTests
{
    [Fact]
    public void SplitIsDeterministicAndNearTheRequestedFractions()
    {
        var s = new SplitOptions { ValidFraction = 0.1, TestFraction = 0.2, Seed = 7 };
        var tags = Enumerable.Range(0, 10_000).Select(i => s.Assign(i)).ToArray();
        Assert.Equal(tags, Enumerable.Range(0, 10_000).Select(i => new SplitOptions { ValidFraction = 0.1, TestFraction = 0.2, Seed = 7 }.Assign(i)));
        Assert.InRange(tags.Count(t => t == SplitTag.Valid) / 10_000.0, 0.08, 0.12);
        Assert.InRange(tags.Count(t => t == SplitTag.Test) / 10_000.0, 0.18, 0.22);
        var other = Enumerable.Range(0, 10_000).Select(i => (s with { Seed = 8 }).Assign(i)).ToArray();
        Assert.NotEqual(tags, other);
        Assert.All(Enumerable.Range(0, 100), i => Assert.Equal(SplitTag.Train, SplitOptions.None.Assign(i)));
        Assert.Throws<UserInputException>(() => new SplitOptions { ValidFraction = 0.6, TestFraction = 0.5 }.Validate());
    }

    [Fact]
    public void VocabularyComesFromTrainingRowsOnly()
    {
        using var dir = new TempDir();
        var split = new SplitOptions { ValidFraction = 0.3, Seed = 11 };
        var sb = new StringBuilder("y,c\n");
        for (int i = 0; i < 400; i++) sb.Append(i % 2).Append(split.Assign(i) == SplitTag.Valid ? ",valid_only\n" : ",common\n");
        string data = dir.Write("v.csv", sb.ToString());
        using var p = DataPipeline.Prepare(data, dir.File("v.cache"),
            new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=y;cat=c") }, split);
        var map = p.FeatureMap;
        Assert.Equal(2, map.FeatureCount); // OOV + "common"
        Assert.True(map.TryEncodeField(map.FieldIndex("c"), "valid_only", out int id, out _));
        Assert.Equal(0, id);
        var valid = DataTestUtil.ReadAll(p.Valid);
        Assert.True(valid.Ids.Length > 0);
        Assert.All(valid.Ids, x => Assert.Equal(0, x));
        Assert.All(DataTestUtil.ReadAll(p.Train).Ids, x => Assert.Equal(1, x));
    }
}
