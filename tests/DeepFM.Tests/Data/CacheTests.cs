using System.Text;
using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Features;

namespace DeepFM.Tests.Data;

public class CacheTests
{
    private static readonly DataOptions Csv = new()
    {
        Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=y;cat=a,b;num=x"), MinCount = 1,
    };

    private static string WriteRows(TempDir dir, string name, int rows, int seed = 1)
    {
        var rnd = new Random(seed);
        var sb = new StringBuilder("y,a,b,x\n");
        for (int i = 0; i < rows; i++)
            sb.Append(rnd.Next(2)).Append(",a").Append(rnd.Next(20)).Append(",b").Append(rnd.Next(5)).Append(',')
              .Append(rnd.Next(3) == 0 ? "" : rnd.Next(-2, 500).ToString()).Append('\n');
        return dir.Write(name, sb.ToString());
    }

    [Fact]
    public void PrepareOpenMatchesStreamingEncode()
    {
        using var dir = new TempDir();
        string data = WriteRows(dir, "d.csv", 1000);
        string cache = dir.File("d.cache");
        var split = new SplitOptions { ValidFraction = 0.2, TestFraction = 0.1, Seed = 3 };
        using (var p = DataPipeline.Prepare(data, cache, Csv, split)) Assert.Equal(1000, p.Count);
        using var q = DataPipeline.Open(cache);
        Assert.Equal(1000, q.Count);
        Assert.Equal(3, q.FieldCount);
        var all = DataTestUtil.ReadAll(q.All);
        var streamed = DataTestUtil.StreamAll(data, q.FeatureMap, 64);
        Assert.Equal(streamed.Ids, all.Ids);
        Assert.Equal(streamed.Values, all.Values);
        Assert.Equal(streamed.Labels, all.Labels);
        Assert.Equal(1000, q.Train.Count + q.Valid.Count + q.Test.Count);
        // Split views: row k of Valid is the k-th row tagged Valid, in file order.
        var validRows = Enumerable.Range(0, 1000).Where(i => split.Assign(i) == SplitTag.Valid).ToArray();
        Assert.Equal(validRows.Length, q.Valid.Count);
        var b = new Batch(4, 3);
        q.Valid.Gather([0, 2], b);
        Assert.Equal(all.Ids.AsSpan(validRows[0] * 3, 3).ToArray(), b.Ids[..3].ToArray());
        Assert.Equal(all.Ids.AsSpan(validRows[2] * 3, 3).ToArray(), b.Ids[3..].ToArray());
        Assert.Equal(SplitTag.Valid, q.TagOf(validRows[1]));
        // No stray temp files next to the cache.
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp-*"));
    }

    [Theory]
    [InlineData(NumericEncoding.Bucket)]
    [InlineData(NumericEncoding.LogValue)]
    public void SingleParsePrepareMatchesEncodingEachRowWithTheMap(NumericEncoding encoding)
    {
        // Prepare parses the text once and encodes rows from numbers recorded before the map existed. The cache must
        // hold exactly what encoding each row with the built map gives, including valid/test rows whose values never
        // occur in training (those rows number their values too, but must neither count nor change the map), and
        // bucketed numerics on both paths: integer buckets, "other" buckets (fractions, below −64, above 2047), missing.
        using var dir = new TempDir();
        var split = new SplitOptions { ValidFraction = 0.25, TestFraction = 0.15, Seed = 11 };
        var rnd = new Random(5);
        string[] trainX = ["", "0", "1", "3", "17", "250", "0.5", "1.25", "-100", "1e20"];
        string[] otherX = ["", "3", "0.75", "-5000", "1e30", "123456", "2.5"];
        var all = new StringBuilder("y,a,b,x,z\n");
        var trainOnly = new StringBuilder("y,a,b,x,z\n");
        int rows = 6000;
        for (int i = 0; i < rows; i++)
        {
            bool train = split.Assign(i) == SplitTag.Train;
            string line = train
                ? $"{rnd.Next(2)},a{rnd.Next(40)},b{rnd.Next(6)},{trainX[rnd.Next(trainX.Length)]},{rnd.Next(-3, 60)}\n"
                : $"{rnd.Next(2)},{(rnd.Next(2) == 0 ? $"new{rnd.Next(100)}" : $"a{rnd.Next(40)}")},b{rnd.Next(9)},{otherX[rnd.Next(otherX.Length)]},{rnd.Next(-3, 90)}\n";
            all.Append(line);
            if (train) trainOnly.Append(line);
        }
        string data = dir.Write("all.csv", all.ToString()), trainData = dir.Write("train.csv", trainOnly.ToString());
        var options = new DataOptions
        {
            Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=y;cat=a,b;num=x,z"), MinCount = 2, NumericEncoding = encoding,
        };
        using var p = DataPipeline.Prepare(data, dir.File("all.cache"), options, split);
        var map = p.FeatureMap;
        var cached = DataTestUtil.ReadAll(p.All);
        var streamed = DataTestUtil.StreamAll(data, map, 97);
        Assert.Equal(streamed.Ids, cached.Ids);
        Assert.Equal(streamed.Values, cached.Values);
        Assert.Equal(streamed.Labels, cached.Labels);
        for (int i = 0; i < rows; i++) Assert.Equal(split.Assign(i), p.TagOf(i));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp-*"));

        // The map is the one the training rows alone give: valid/test values take no ids.
        using var t = DataPipeline.Prepare(trainData, dir.File("train.cache"), options, SplitOptions.None);
        Assert.Equal(t.FeatureMap.Hash, map.Hash);
        Assert.Equal(DataTestUtil.ReadAll(t.All).Ids, DataTestUtil.ReadAll(p.Train).Ids);

        // The data did exercise what it is meant to: unseen values in valid/test rows (OOV), and "other" buckets.
        int m = map.FieldCount, oov = 0;
        for (int i = 0; i < rows; i++)
            if (p.TagOf(i) != SplitTag.Train && cached.Ids[i * m] == map.Fields[0].Offset) oov++;
        Assert.True(oov > 100, $"only {oov} valid/test rows with an unseen value of a");
        if (encoding == NumericEncoding.Bucket)
        {
            var x = map.Fields[2];
            foreach (string key in new[] { "", "0.5", "1.25", "-100", "2120" }) Assert.NotNull(x.KeyOf(x.Offset + x.Ids![key]));
            Assert.DoesNotContain("-5000", x.Keys!);
        }
        else
        {
            Assert.Contains(cached.Values, v => v != 1f);
        }
    }

    [Fact]
    public void SingleParsePrepareKeepsLibsvmValues()
    {
        using var dir = new TempDir();
        var sb = new StringBuilder();
        var rnd = new Random(3);
        for (int i = 0; i < 5000; i++)
            sb.Append(rnd.Next(2)).Append(' ').Append(rnd.Next(30)).Append(':').Append(rnd.Next(4) == 0 ? "0.5" : "1")
              .Append(' ').Append(100 + rnd.Next(500)).Append(':').Append(rnd.Next(3) * 1.5).Append('\n');
        string data = dir.Write("d.libsvm", sb.ToString());
        var split = new SplitOptions { ValidFraction = 0.3, Seed = 1 };
        using var p = DataPipeline.Prepare(data, dir.File("d.cache"), new DataOptions { Format = DataFormat.Libsvm, MinCount = 3 }, split);
        var cached = DataTestUtil.ReadAll(p.All);
        var streamed = DataTestUtil.StreamAll(data, p.FeatureMap, 64);
        Assert.Equal(streamed.Ids, cached.Ids);
        Assert.Equal(streamed.Values, cached.Values);
        Assert.Equal(streamed.Labels, cached.Labels);
        Assert.Contains(cached.Values, v => v == 0.5f);
    }

    [Fact]
    public void AllCategoricalDataHasNoValuesSection()
    {
        using var dir = new TempDir();
        string data = WriteRows(dir, "d.csv", 700);
        string onesCache = dir.File("ones.cache"), valuedCache = dir.File("valued.cache");
        // Bucketed numerics make every value 1; "value" keeps x as the value of its field.
        DataPipeline.Prepare(data, onesCache, Csv, SplitOptions.None).Dispose();
        DataPipeline.Prepare(data, valuedCache, Csv with { NumericEncoding = NumericEncoding.Value }, SplitOptions.None).Dispose();
        // Layout: 128-byte header, map, labels (4 per row) and tags (1 per row) padded to 8, ids (4 per field per
        // row), then values (4 per field per row) only when some value is not 1.
        static long Expected(string cache, bool values) =>
            Align8(Align8(128 + MapBytes(cache)) + 5 * 700L) + 4 * 700L * 3 * (values ? 2 : 1);
        Assert.Equal(Expected(onesCache, values: false), new FileInfo(onesCache).Length);
        Assert.Equal(Expected(valuedCache, values: true), new FileInfo(valuedCache).Length);
        using var q = DataPipeline.Open(onesCache);
        var all = DataTestUtil.ReadAll(q.All);
        Assert.All(all.Values, v => Assert.Equal(1f, v));
        var streamed = DataTestUtil.StreamAll(data, q.FeatureMap, 64);
        Assert.Equal(streamed.Ids, all.Ids);
        Assert.Equal(streamed.Values, all.Values);
        // Gather and Slice supply the 1s too.
        var b = new Batch(8, 3);
        b.ValueBuffer.AsSpan().Fill(-5f);
        q.All.Gather([3, 1, 4], b);
        Assert.All(b.Values.ToArray(), v => Assert.Equal(1f, v));
        b.ValueBuffer.AsSpan().Fill(-5f);
        q.All.Slice(10, 8, b);
        Assert.All(b.Values.ToArray(), v => Assert.Equal(1f, v));

        static long MapBytes(string cache)
        {
            using var fs = File.OpenRead(cache);
            var header = new byte[128];
            fs.ReadExactly(header);
            return BitConverter.ToInt64(header, 96);
        }
        static long Align8(long x) => (x + 7) & ~7L;
    }

    [Fact]
    public void VersionOneCachesStillOpen()
    {
        // A version-1 file always has a values section and flags 0: make one from a cache with values by writing
        // version 1 into its header (and the header's own hash), then open it.
        using var dir = new TempDir();
        string data = WriteRows(dir, "d.csv", 400);
        string cache = dir.File("v1.cache");
        DataPipeline.Prepare(data, cache, Csv with { NumericEncoding = NumericEncoding.Value }, SplitOptions.None).Dispose();
        byte[] bytes = File.ReadAllBytes(cache);
        Assert.Equal(2, BitConverter.ToInt32(bytes, 8));
        Assert.Equal(0, BitConverter.ToInt32(bytes, 84));
        BitConverter.TryWriteBytes(bytes.AsSpan(8), 1);
        BitConverter.TryWriteBytes(bytes.AsSpan(112), System.IO.Hashing.XxHash64.HashToUInt64(bytes.AsSpan(0, 112)));
        File.WriteAllBytes(cache, bytes);
        using var q = DataPipeline.Open(cache);
        var all = DataTestUtil.ReadAll(q.All);
        var streamed = DataTestUtil.StreamAll(data, q.FeatureMap, 64);
        Assert.Equal(streamed.Ids, all.Ids);
        Assert.Equal(streamed.Values, all.Values);
        // A version this build does not know is refused with a clear message.
        BitConverter.TryWriteBytes(bytes.AsSpan(8), 4);
        BitConverter.TryWriteBytes(bytes.AsSpan(112), System.IO.Hashing.XxHash64.HashToUInt64(bytes.AsSpan(0, 112)));
        File.WriteAllBytes(cache, bytes);
        var ex = Assert.ThrowsAny<UserInputException>(() => DataPipeline.Open(cache));
        Assert.Contains("cache format version 4", ex.Message);
    }

    [Fact]
    public void ValuesSectionWrittenFromTheFirstValueOtherThanOne()
    {
        // 9,000 rows whose value field is 1 until row 8,500: the first non-1 value arrives after two 4,096-row chunks,
        // so the 1s before it are written then.
        using var dir = new TempDir();
        var sb = new StringBuilder("y,a,x\n");
        for (int i = 0; i < 9000; i++) sb.Append(i % 3 == 0 ? 1 : 0).Append(",a").Append(i % 7).Append(',').Append(i < 8500 ? "1" : (i % 5).ToString()).Append('\n');
        string data = dir.Write("v.csv", sb.ToString());
        var options = new DataOptions
        {
            Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=y;cat=a;num=x"), MinCount = 1, NumericEncoding = NumericEncoding.Value,
        };
        string cache = dir.File("v.cache");
        DataPipeline.Prepare(data, cache, options, SplitOptions.None).Dispose();
        using var q = DataPipeline.Open(cache);
        var all = DataTestUtil.ReadAll(q.All);
        var streamed = DataTestUtil.StreamAll(data, q.FeatureMap, 100);
        Assert.Equal(streamed.Values, all.Values);
        Assert.Equal(streamed.Ids, all.Ids);
        Assert.Contains(all.Values, v => v != 1f);
    }

    [Fact]
    public void FlippedByteOrTruncationIsAChecksumError()
    {
        using var dir = new TempDir();
        string data = WriteRows(dir, "d.csv", 300);
        string cache = dir.File("cache.bin");
        DataPipeline.Prepare(data, cache, Csv, SplitOptions.None).Dispose();
        byte[] good = File.ReadAllBytes(cache);

        var flipped = (byte[])good.Clone();
        flipped[^5] ^= 0x40; // inside the values section
        File.WriteAllBytes(cache, flipped);
        var ex = Assert.ThrowsAny<UserInputException>(() => DataPipeline.Open(cache));
        Assert.StartsWith("cache.bin: checksum mismatch", ex.Message);

        File.WriteAllBytes(cache, good[..(good.Length - 100)]);
        ex = Assert.ThrowsAny<UserInputException>(() => DataPipeline.Open(cache));
        Assert.StartsWith("cache.bin: checksum mismatch", ex.Message);
        Assert.Contains("truncated", ex.Message);

        File.WriteAllBytes(cache, good[..50]);
        ex = Assert.ThrowsAny<UserInputException>(() => DataPipeline.Open(cache));
        Assert.StartsWith("cache.bin: checksum mismatch", ex.Message);

        var magic = (byte[])good.Clone();
        magic[0] = (byte)'X';
        File.WriteAllBytes(cache, magic);
        ex = Assert.ThrowsAny<UserInputException>(() => DataPipeline.Open(cache));
        Assert.Contains("magic", ex.Message);

        // With the source at hand, OpenOrPrepare rebuilds instead of failing.
        File.WriteAllBytes(cache, flipped);
        using var p = DataPipeline.OpenOrPrepare(data, cache, Csv, SplitOptions.None);
        Assert.Equal(300, p.Count);
    }

    [Fact]
    public void StaleCacheIsRebuilt()
    {
        using var dir = new TempDir();
        string data = WriteRows(dir, "d.csv", 200);
        string cache = dir.File("d.cache");
        DataPipeline.Prepare(data, cache, Csv, SplitOptions.None).Dispose();
        Assert.True(DataPipeline.IsCurrent(cache, data, Csv, SplitOptions.None));
        var written = File.GetLastWriteTimeUtc(cache);
        using (var p = DataPipeline.OpenOrPrepare(data, cache, Csv, SplitOptions.None)) Assert.Equal(200, p.Count);
        Assert.Equal(written, File.GetLastWriteTimeUtc(cache)); // reused, not rewritten

        Assert.False(DataPipeline.IsCurrent(cache, data, Csv with { MinCount = 2 }, SplitOptions.None));
        Assert.False(DataPipeline.IsCurrent(cache, data, Csv, new SplitOptions { ValidFraction = 0.1 }));

        File.SetLastWriteTimeUtc(data, File.GetLastWriteTimeUtc(data).AddMinutes(1)); // touch
        Assert.False(DataPipeline.IsCurrent(cache, data, Csv, SplitOptions.None));

        File.AppendAllText(data, "1,a1,b1,7\n");
        using (var p = DataPipeline.OpenOrPrepare(data, cache, Csv, SplitOptions.None)) Assert.Equal(201, p.Count);
        Assert.True(DataPipeline.IsCurrent(cache, data, Csv, SplitOptions.None));
    }

    [Fact]
    public void EncodeWithExistingMapTagsAllRowsTest()
    {
        using var dir = new TempDir();
        string train = WriteRows(dir, "train.csv", 300, 1);
        string test = WriteRows(dir, "test.csv", 120, 2);
        using var p = DataPipeline.Prepare(train, dir.File("train.cache"), Csv, SplitOptions.None);
        using var t = DataPipeline.EncodeWith(test, p.FeatureMap, null);
        Assert.Equal(120, t.Count);
        Assert.Equal(120, t.Test.Count);
        Assert.Equal(0, t.Train.Count);
        Assert.Equal(p.FeatureMap.Hash, t.FeatureMap.Hash);
        var streamed = DataTestUtil.StreamAll(test, p.FeatureMap, 50);
        // The temporary cache is unlinked as soon as it is mapped (nothing left behind if the process is killed) and
        // still reads.
        Assert.StartsWith(Path.GetTempPath(), t.FilePath);
        Assert.False(File.Exists(t.FilePath));
        Assert.Equal(streamed.Ids, DataTestUtil.ReadAll(t.Test).Ids);
        using var t2 = DataPipeline.EncodeWith(test, p.FeatureMap, dir.File("test.cache"));
        Assert.Equal(streamed.Labels, DataTestUtil.ReadAll(t2.All).Labels);
    }

    [Fact]
    public void StreamBatchesKeepsOrderAndReusesOneBatch()
    {
        using var dir = new TempDir();
        string data = dir.Write("s.csv", "y,a,b,x\n1,a1,b1,1\n0,a2,b1,2\n1,a1,b2,\n");
        using var p = DataPipeline.Prepare(data, dir.File("s.cache"), Csv, SplitOptions.None);
        var batches = new List<(int Size, float[] Labels)>();
        Batch? first = null;
        foreach (var b in DataPipeline.StreamBatches(data, p.FeatureMap, 2))
        {
            first ??= b;
            Assert.Same(first, b);
            batches.Add((b.Size, b.Labels.ToArray()));
        }
        Assert.Equal(2, batches.Count);
        Assert.Equal(2, batches[0].Size);
        Assert.Equal(new float[] { 1, 0 }, batches[0].Labels);
        Assert.Equal(new float[] { 1 }, batches[1].Labels);
    }
}

public class UnlabeledInputTests
{
    [Fact]
    public void CriteoCsvAndLibsvmWithoutLabelsStreamWithLabelZero()
    {
        using var dir = new TempDir();
        string train = dir.Write("train.tsv", "1\t5\t\t\t\t\t\t\t\t\t\t\t\t\tabc\n0\t1\n");
        string test = dir.Write("test.tsv", "5\t\t\t\t\t\t\t\t\t\t\t\t\tabc\n"); // 39 columns: no label
        using var p = DataPipeline.Prepare(train, dir.File("t.cache"), new DataOptions(), SplitOptions.None);
        var b = DataPipeline.StreamBatches(test, p.FeatureMap, 4, hasLabels: false).Single();
        Assert.Equal(1, b.Size);
        Assert.Equal(0f, b.Labels[0]);
        Assert.Equal("2", p.FeatureMap.Fields[0].KeyOf(b.Ids[0]));   // I1 = 5 → ⌊ln(5)²⌋ = 2
        Assert.Equal("abc", p.FeatureMap.Fields[13].KeyOf(b.Ids[13]));
        var ex = Assert.Throws<DataFormatException>(() => DataPipeline.StreamBatches(test, p.FeatureMap, 4).ToList());
        Assert.Contains("test.tsv:1: field label", ex.Message);

        string csvTrain = dir.Write("a.csv", "y,c\n1,x\n0,z\n");
        string csvTest = dir.Write("b.csv", "c\nz\n");
        using var q = DataPipeline.Prepare(csvTrain, dir.File("a.cache"),
            new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=y;cat=c") }, SplitOptions.None);
        var cb = DataPipeline.StreamBatches(csvTest, q.FeatureMap, 4, hasLabels: false).Single();
        Assert.Equal("z", q.FeatureMap.Fields[0].KeyOf(cb.Ids[0]));

        string svmTrain = dir.Write("a.libsvm", "1 3:1\n0 4:1\n");
        string svmTest = dir.Write("b.libsvm", "4:1\n");
        using var r = DataPipeline.Prepare(svmTrain, dir.File("s.cache"), new DataOptions { Format = DataFormat.Libsvm }, SplitOptions.None);
        var sb = DataPipeline.StreamBatches(svmTest, r.FeatureMap, 4, hasLabels: false).Single();
        Assert.Equal("4", r.FeatureMap.Fields[0].KeyOf(sb.Ids[0]));
    }
}
