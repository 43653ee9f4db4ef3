using DeepFM.Data;
using DeepFM.Preparation;

namespace DeepFM.Tests.Data;

public class LibsvmReaderTests
{
    private static readonly string[] FirstRow = ["266", "1244", "5042", "5049", "5054", "5055", "5058", "5062", "5074", "5149"];
    private const string FrappeMap = "user:0-956,item:957-5038,daytime:5039-5045,weekday:5046-5052,isweekend:5053-5054,"
                                     + "homework:5055-5057,cost:5058-5059,weather:5060-5068,country:5069-5148,city:5149-5381";

    [SharedDataFact("frappe")]
    public void FrappeByPosition()
    {
        using var dir = new TempDir();
        string src = DataTestUtil.Head(dir, DataTestUtil.Shared("frappe/afn/valid.libsvm"), 300, "valid.libsvm");
        using var p = DataPipeline.Prepare(src, dir.File("f.cache"), new DataOptions { Format = DataFormat.Libsvm }, SplitOptions.None);
        var map = p.FeatureMap;
        Assert.Equal(10, map.FieldCount);
        Assert.Equal("f0", map.Fields[0].Name);
        Assert.Equal("f9", map.Fields[9].Name);
        var (ids, values, labels) = DataTestUtil.ReadAll(p.All);
        Assert.Equal(300, labels.Length);
        Assert.Equal(new float[] { 1, 0, 0 }, labels[..3]);
        for (int f = 0; f < 10; f++) Assert.Equal(FirstRow[f], map.Fields[f].KeyOf(ids[f]));
        Assert.All(values, v => Assert.Equal(1f, v));
    }

    [SharedDataFact("frappe")]
    public void FrappeByFieldMapInAnyOrder()
    {
        using var dir = new TempDir();
        string src = DataTestUtil.Head(dir, DataTestUtil.Shared("frappe/afn/valid.libsvm"), 200, "valid.libsvm");
        // City first: fields come from the id ranges, not from token positions.
        var fmap = LibsvmFieldMap.Parse("city:5149-5381," + FrappeMap.Replace(",city:5149-5381", ""));
        using var p = DataPipeline.Prepare(src, dir.File("f.cache"),
            new DataOptions { Format = DataFormat.Libsvm, LibsvmFieldMap = fmap }, SplitOptions.None);
        var map = p.FeatureMap;
        Assert.Equal("city", map.Fields[0].Name);
        Assert.Equal(1, map.FieldIndex("user"));
        Assert.Equal(-1, map.FieldIndex("nope"));
        var (ids, _, _) = DataTestUtil.ReadAll(p.All);
        Assert.Equal("5149", map.Fields[0].KeyOf(ids[0]));
        Assert.Equal("266", map.Fields[1].KeyOf(ids[1]));
        Assert.Equal("1244", map.Fields[2].KeyOf(ids[2]));
        Assert.Equal("5074", map.Fields[9].KeyOf(ids[9]));
    }

    [SharedDataFact("frappe")]
    public void LibfmVariantWithMinusOneLabelsAndCrlfMatchesLibsvm()
    {
        using var dir = new TempDir();
        string afn = DataTestUtil.Head(dir, DataTestUtil.Shared("frappe/afn/valid.libsvm"), 500, "a.libsvm");
        string nfm = dir.File("n.libfm");
        // Keep the CRLF endings of the original: copy raw bytes of the first 500 lines.
        byte[] raw = File.ReadAllBytes(DataTestUtil.Shared("frappe/nfm/frappe.validation.libfm"));
        int pos = 0;
        for (int i = 0; i < 500; i++) pos = Array.IndexOf(raw, (byte)'\n', pos) + 1;
        File.WriteAllBytes(nfm, raw[..pos]);
        Assert.Equal((byte)'\r', raw[pos - 2]);
        using var p = DataPipeline.Prepare(afn, dir.File("f.cache"), new DataOptions { Format = DataFormat.Libsvm }, SplitOptions.None);
        var a = DataTestUtil.ReadAll(p.All);
        var b = DataTestUtil.StreamAll(nfm, p.FeatureMap);
        Assert.Equal(new float[] { 1, 0, 0 }, b.Labels[..3]);
        Assert.Equal(a.Labels, b.Labels);
        Assert.Equal(a.Ids, b.Ids);
    }

    [Fact]
    public void PlusOneLabelsValuesAndFieldMapGaps()
    {
        using var dir = new TempDir();
        string path = dir.Write("t.libfm", "+1 3:0.5 12:2\n-1 4:1\n0 11:1 2:1\n");
        var fmap = LibsvmFieldMap.Parse("a:0-9,b:10-19");
        using var p = DataPipeline.Prepare(path, dir.File("t.cache"),
            new DataOptions { Format = DataFormat.Libsvm, LibsvmFieldMap = fmap }, SplitOptions.None);
        var map = p.FeatureMap;
        var (ids, values, labels) = DataTestUtil.ReadAll(p.All);
        Assert.Equal(new float[] { 1, 0, 0 }, labels);
        Assert.Equal(new float[] { 0.5f, 2, 1, 1, 1, 1 }, values);
        Assert.Equal("3", map.Fields[0].KeyOf(ids[0]));
        Assert.Equal("12", map.Fields[1].KeyOf(ids[1]));
        Assert.Equal("", map.Fields[1].KeyOf(ids[3])); // row 2 has no feature of field b → missing value
        Assert.Equal("2", map.Fields[0].KeyOf(ids[4]));
        Assert.Equal("11", map.Fields[1].KeyOf(ids[5]));
    }

    [Fact]
    public void FieldMapParsesAndRejectsOverlap()
    {
        var m = LibsvmFieldMap.Parse("user:0-956,item:957-5038");
        Assert.Equal(0, m.FieldOf(956));
        Assert.Equal(1, m.FieldOf(957));
        Assert.Equal(-1, m.FieldOf(5039));
        Assert.Equal("user:0-956,item:957-5038", m.ToString());
        Assert.Throws<UserInputException>(() => LibsvmFieldMap.Parse("a:0-10,b:10-20"));
        Assert.Throws<UserInputException>(() => LibsvmFieldMap.Parse("a:0"));
    }
}
