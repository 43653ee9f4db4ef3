using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Features;

namespace DeepFM.Tests.Data;

public class FeatureMapTests
{
    private const string Tiny = "label,c,n\n1,a,1\n0,a,3\n1,b,\n0,a,100\n1,c,1\n";

    private static PreparedData PrepareTiny(TempDir dir, int minCount, NumericEncoding enc = NumericEncoding.Bucket) =>
        DataPipeline.Prepare(dir.Write("tiny.csv", Tiny), dir.File($"tiny-{minCount}-{enc}.cache"),
            new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=label;cat=c;num=n"), MinCount = minCount, NumericEncoding = enc },
            SplitOptions.None);

    [Theory]
    [InlineData(1.0, "1")]
    [InlineData(2.0, "2")]
    [InlineData(3.0, "1")]    // ⌊ln(3)²⌋ = ⌊1.207⌋
    [InlineData(100.0, "21")] // ⌊ln(100)²⌋ = ⌊21.21⌋
    [InlineData(-1.0, "-1")]
    [InlineData(0.0, "0")]
    [InlineData(0.5, "0.5")]
    [InlineData(1382.0, "52")]
    [InlineData(null, "")]
    public void BucketHandValues(double? x, string key) => Assert.Equal(key, NumericBuckets.Key(x));

    [Fact]
    public void MinCountMapsRareValuesToFieldOov()
    {
        using var dir = new TempDir();
        using var p = PrepareTiny(dir, 2);
        var map = p.FeatureMap;
        // c: a×3 kept, b and c once → OOV. n buckets: "1" ×3 (x=1,3,1) kept; "" and "21" once → OOV.
        Assert.Equal(2, map.Fields[0].Size);
        Assert.Equal(0, map.Fields[0].Offset);
        Assert.Equal(2, map.Fields[1].Size);
        Assert.Equal(2, map.Fields[1].Offset);
        Assert.Equal(4, map.FeatureCount);
        var (ids, values, labels) = DataTestUtil.ReadAll(p.All);
        Assert.Equal(new[] { 1, 3, 1, 3, 0, 2, 1, 2, 0, 3 }, ids);
        Assert.Equal(new float[] { 1, 0, 1, 0, 1 }, labels);
        Assert.All(values, v => Assert.Equal(1f, v));
        Assert.True(map.TryEncodeField(0, "zzz", out int id, out float val));
        Assert.Equal(0, id);
        Assert.Equal(1f, val);
        Assert.True(map.TryEncodeField(1, "3", out id, out _));
        Assert.Equal(3, id);
        Assert.True(map.TryEncodeField(1, "", out id, out _));
        Assert.Equal(2, id);
        Assert.False(map.TryEncodeField(1, "abc", out id, out _));
    }

    [Fact]
    public void IdsByDescendingCountThenKey()
    {
        using var dir = new TempDir();
        using var p = PrepareTiny(dir, 1);
        var f = p.FeatureMap.Fields[0];
        Assert.Equal(4, f.Size);
        Assert.Equal("a", f.KeyOf(1));
        Assert.Equal("b", f.KeyOf(2));
        Assert.Equal("c", f.KeyOf(3));
        Assert.Null(f.KeyOf(0));
    }

    [Fact]
    public void ValueAndLogValueEncodings()
    {
        using var dir = new TempDir();
        using (var p = PrepareTiny(dir, 1, NumericEncoding.Value))
        {
            var (ids, values, _) = DataTestUtil.ReadAll(p.All);
            Assert.Equal(1, p.FeatureMap.Fields[1].Size);
            int off = p.FeatureMap.Fields[1].Offset;
            Assert.Equal(new[] { off, off, off, off, off }, new[] { ids[1], ids[3], ids[5], ids[7], ids[9] });
            Assert.Equal(new float[] { 1, 3, 0, 100, 1 }, new[] { values[1], values[3], values[5], values[7], values[9] });
        }
        using (var p = PrepareTiny(dir, 1, NumericEncoding.LogValue))
        {
            var (_, values, _) = DataTestUtil.ReadAll(p.All);
            Assert.Equal(MathF.Log(2), values[1], 5);
            Assert.Equal(MathF.Log(4), values[3], 5);
            Assert.Equal(0f, values[5]);
            Assert.Equal(MathF.Log(101), values[7], 5);
            Assert.True(p.FeatureMap.TryEncodeField(1, "-3", out _, out float v));
            Assert.Equal(-MathF.Log(4), v, 5);
        }
    }

    [Fact]
    public void WriteReadRoundTripAndCorruption()
    {
        using var dir = new TempDir();
        using var p = PrepareTiny(dir, 1);
        var map = p.FeatureMap;
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, true)) map.Write(w);
        byte[] bytes = ms.ToArray();
        var back = FeatureMap.Read(new BinaryReader(new MemoryStream(bytes)));
        Assert.Equal(map.Hash, back.Hash);
        Assert.Equal(map.FeatureCount, back.FeatureCount);
        Assert.Equal(DataFormat.Csv, back.Reader.Format);
        Assert.Equal("label=label;cat=c;num=n;delim=,", back.Reader.CsvSchema!.ToString());
        Assert.True(back.TryEncodeField(0, "b", out int id, out _));
        Assert.Equal(2, id);

        Assert.Throws<UserInputException>(() => FeatureMap.Read(new BinaryReader(new MemoryStream(bytes[..(bytes.Length - 3)]))));
        var bad = (byte[])bytes.Clone();
        bad[0] ^= 0xFF;
        Assert.Throws<UserInputException>(() => FeatureMap.Read(new BinaryReader(new MemoryStream(bad))));
    }

    [Fact]
    public void BucketIdsAgreeWithBucketKeysOverARange()
    {
        using var dir = new TempDir();
        using var p = PrepareTiny(dir, 1);
        var f = p.FeatureMap.Fields[1]; // n: keys "1" (×3), "" and "21"
        Assert.Equal(4, f.Size);
        var xs = Enumerable.Range(-70, 3100).Select(i => (double)i).Concat([0.5, -0.25, 1e20, -1e20, double.PositiveInfinity]);
        foreach (double x in xs)
        {
            string key = NumericBuckets.Key(x);
            Assert.True(p.FeatureMap.TryEncodeField(1, x.ToString("R", System.Globalization.CultureInfo.InvariantCulture), out int id, out _));
            string? expected = key is "1" or "21" ? key : null;
            Assert.Equal(expected, f.KeyOf(id));
            if (expected is null) Assert.Equal(f.Offset, id);
        }
        Assert.True(p.FeatureMap.TryEncodeField(1, null, out int missing, out _));
        Assert.Equal("", f.KeyOf(missing));
    }

    [Fact]
    public void DefaultMinCount()
    {
        Assert.Equal(10, DataOptions.DefaultMinCount(DataFormat.Criteo));
        Assert.Equal(1, DataOptions.DefaultMinCount(DataFormat.Libsvm));
        Assert.Equal(1, DataOptions.DefaultMinCount(DataFormat.Csv));
    }
}
