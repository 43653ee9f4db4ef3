using DeepFM.Data;
using DeepFM.Preparation;

namespace DeepFM.Tests.Data;

public class CriteoReaderTests
{
    private static readonly DataOptions Criteo1 = new() { Format = DataFormat.Criteo, MinCount = 1 };

    [SharedDataFact("criteo-sample")]
    public void FirstRowOfStrippedFileHasHandReadValues()
    {
        using var dir = new TempDir();
        string src = DataTestUtil.Shared("criteo-sample/criteo_train_first1000_trailing_empty_fields_stripped.txt");
        using var p = DataPipeline.Prepare(src, dir.File("c.cache"), Criteo1, SplitOptions.None);
        var map = p.FeatureMap;
        Assert.Equal(1000, p.Count);
        Assert.Equal(39, p.FieldCount);
        Assert.Equal("I1", map.Fields[0].Name);
        Assert.Equal("C26", map.Fields[38].Name);
        var (ids, _, labels) = DataTestUtil.ReadAll(p.All);
        // Row 1: 0 1 1 5 0 1382 4 15 2 181 1 2 _ 2 68fd1e64 80e26c9b ...
        Assert.Equal(0f, labels[0]);
        Assert.Equal("1", map.Fields[0].KeyOf(ids[0]));    // I1 = 1
        Assert.Equal("52", map.Fields[4].KeyOf(ids[4]));   // I5 = 1382 → ⌊ln(1382)²⌋ = ⌊52.29⌋
        Assert.Equal("", map.Fields[11].KeyOf(ids[11]));   // I12 missing → the missing bucket
        Assert.Equal("68fd1e64", map.Fields[13].KeyOf(ids[13]));
        Assert.Equal("80e26c9b", map.Fields[14].KeyOf(ids[14]));
        Assert.Equal("9727dd16", map.Fields[38].KeyOf(ids[38]));
        Assert.Equal(205, labels.Count(l => l == 1));
        // Every id lies inside its field's range.
        for (int i = 0; i < ids.Length; i++)
        {
            var f = map.Fields[i % 39];
            Assert.InRange(ids[i], f.Offset, f.Offset + f.Size - 1);
        }
    }

    [SharedDataFact("criteo-sample")]
    public void StrippedRowsArePaddedLikeTheFullFile()
    {
        using var dir = new TempDir();
        string stripped = DataTestUtil.Shared("criteo-sample/criteo_train_first1000_trailing_empty_fields_stripped.txt");
        string full = DataTestUtil.Shared("criteo-sample/criteo_train_first900.txt");
        using var p = DataPipeline.Prepare(stripped, dir.File("c.cache"), Criteo1, SplitOptions.None);
        var a = DataTestUtil.StreamAll(full, p.FeatureMap);
        var b = DataTestUtil.ReadAll(p.All);
        Assert.Equal(900 * 39, a.Ids.Length);
        Assert.Equal(a.Ids, b.Ids.AsSpan(0, 900 * 39).ToArray());
        Assert.Equal(a.Values, b.Values.AsSpan(0, 900 * 39).ToArray());
        Assert.Equal(a.Labels, b.Labels.AsSpan(0, 900).ToArray());
        Assert.Equal(176, a.Labels.Count(l => l == 1));
    }

    [Fact]
    public void CrlfMissingFinalNewlineNegativeAndEmptyFields()
    {
        using var dir = new TempDir();
        string row1 = "1\t-1\t\t3" + new string('\t', 10) + "\tabc" + new string('\t', 25); // 40 fields
        string row2 = "0\t5"; // stripped: 2 fields
        string path = dir.Write("t.tsv", row1 + "\r\n" + row2);
        using var p = DataPipeline.Prepare(path, dir.File("t.cache"), Criteo1, SplitOptions.None);
        var map = p.FeatureMap;
        var (ids, _, labels) = DataTestUtil.ReadAll(p.All);
        Assert.Equal(new float[] { 1, 0 }, labels);
        Assert.Equal("-1", map.Fields[0].KeyOf(ids[0]));
        Assert.Equal("", map.Fields[1].KeyOf(ids[1]));
        Assert.Equal("1", map.Fields[2].KeyOf(ids[2])); // 3 → ⌊ln(3)²⌋ = 1
        Assert.Equal("abc", map.Fields[13].KeyOf(ids[13]));
        Assert.Equal("2", map.Fields[0].KeyOf(ids[39]));  // I1 = 5 > 2 → ⌊ln(5)²⌋ = ⌊2.59⌋ = 2
        Assert.Equal("", map.Fields[13].KeyOf(ids[39 + 13])); // C1 stripped → missing
    }
}
