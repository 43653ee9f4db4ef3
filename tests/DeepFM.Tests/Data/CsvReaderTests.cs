using DeepFM.Data;
using DeepFM.Preparation;

namespace DeepFM.Tests.Data;

public class CsvReaderTests
{
    [SharedDataFact("criteo-sample")]
    public void DeepCtrCriteoSample()
    {
        using var dir = new TempDir();
        var schema = CsvSchema.Parse("label=label;cat=*;num=" + string.Join(',', Enumerable.Range(1, 13).Select(i => $"I{i}")));
        using var p = DataPipeline.Prepare(DataTestUtil.Shared("criteo-sample/deepctr_criteo_sample.csv"), dir.File("c.cache"),
            new DataOptions { Format = DataFormat.Csv, CsvSchema = schema }, SplitOptions.None);
        var map = p.FeatureMap;
        Assert.Equal(200, p.Count);
        Assert.Equal(39, map.FieldCount);
        Assert.Equal("I1", map.Fields[0].Name);
        Assert.Equal(FieldKind.Numeric, map.Fields[0].Kind);
        Assert.Equal("C1", map.Fields[13].Name);
        Assert.Equal(FieldKind.Categorical, map.Fields[13].Kind);
        var (ids, _, labels) = DataTestUtil.ReadAll(p.All);
        // 0,,3,260.0,,17668.0,,,33.0,,,,0.0,,05db9164,08d6d899,...
        Assert.Equal(0f, labels[0]);
        Assert.Equal(49, labels.Count(l => l == 1));
        Assert.Equal("", map.Fields[0].KeyOf(ids[0]));       // I1 missing
        Assert.Equal("1", map.Fields[1].KeyOf(ids[1]));      // I2 = 3 → ⌊ln(3)²⌋ = 1
        Assert.Equal("30", map.Fields[2].KeyOf(ids[2]));     // I3 = 260.0 → ⌊ln(260)²⌋ = ⌊30.92⌋
        Assert.Equal("0", map.Fields[11].KeyOf(ids[11]));    // I12 = 0.0
        Assert.Equal("05db9164", map.Fields[13].KeyOf(ids[13]));
        Assert.Equal("", map.Fields[38].KeyOf(ids[38]));     // C26 empty
    }

    [SharedDataFact("avazu-sample")]
    public void AvazuSampleSelectedColumns()
    {
        using var dir = new TempDir();
        using var p = DataPipeline.Prepare(DataTestUtil.Shared("avazu-sample/deepctr_avazu_sample.csv"), dir.File("a.cache"),
            new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=click;cat=site_id,C1,banner_pos") },
            SplitOptions.None);
        var map = p.FeatureMap;
        Assert.Equal(["C1", "banner_pos", "site_id"], map.Fields.Select(f => f.Name)); // header order
        var (ids, _, labels) = DataTestUtil.ReadAll(p.All);
        Assert.Equal(100, labels.Length);
        Assert.Equal(20, labels.Count(l => l == 1));
        Assert.Equal("1005", map.Fields[0].KeyOf(ids[0]));
        Assert.Equal("0", map.Fields[1].KeyOf(ids[1]));
        Assert.Equal("1fbe01fe", map.Fields[2].KeyOf(ids[2]));
    }

    [Fact]
    public void QuotedFieldsAndSchemaText()
    {
        using var dir = new TempDir();
        string path = dir.Write("q.csv", "y,name,n,skip\r\n1,\"a,b\",2.5,x\r\n0,\"say \"\"hi\"\"\",,y\r\n");
        var schema = CsvSchema.Parse("label=y;cat=name;num=n");
        Assert.Equal("label=y;cat=name;num=n;delim=,", schema.ToString());
        using var p = DataPipeline.Prepare(path, dir.File("q.cache"),
            new DataOptions { Format = DataFormat.Csv, CsvSchema = schema, NumericEncoding = NumericEncoding.Value }, SplitOptions.None);
        var map = p.FeatureMap;
        var (ids, values, labels) = DataTestUtil.ReadAll(p.All);
        Assert.Equal(new float[] { 1, 0 }, labels);
        Assert.Equal("a,b", map.Fields[0].KeyOf(ids[0]));
        Assert.Equal("say \"hi\"", map.Fields[0].KeyOf(ids[2]));
        Assert.Equal(new float[] { 1, 2.5f, 1, 0 }, values);
        Assert.Equal(map.Fields[1].Offset, ids[1]);
    }

    [Fact]
    public void SchemaErrors()
    {
        Assert.Throws<UserInputException>(() => CsvSchema.Parse("cat=a"));
        Assert.Throws<UserInputException>(() => CsvSchema.Parse("label=y;bogus=1"));
        var s = CsvSchema.Parse("label=y;num=a,b;delim=tab");
        Assert.Null(s.Categorical);
        Assert.Equal('\t', s.Delimiter);
        using var dir = new TempDir();
        string path = dir.Write("h.csv", "y,a\n1,2\n");
        var ex = Assert.Throws<DataFormatException>(() => DataPipeline.Prepare(path, dir.File("h.cache"),
            new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=y;num=zz") }, SplitOptions.None));
        Assert.Contains("h.csv:1", ex.Message);
        Assert.Contains("zz", ex.Message);
    }
}
