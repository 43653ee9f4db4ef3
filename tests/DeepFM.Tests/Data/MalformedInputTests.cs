using System.Text;
using DeepFM.Data;
using DeepFM.Preparation;

namespace DeepFM.Tests.Data;

public class MalformedInputTests
{
    private static readonly string GoodRow = "0\t1\t2" + new string('\t', 11) + "\t68fd1e64" + new string('\t', 25);

    private static UserInputException PrepareFails(TempDir dir, string name, byte[] content, DataOptions? options = null)
    {
        string path = dir.WriteBytes(name, content);
        var ex = Assert.ThrowsAny<UserInputException>(() =>
            DataPipeline.Prepare(path, dir.File(name + ".cache"), options ?? new DataOptions(), SplitOptions.None).Dispose());
        // A failed prepare leaves neither a cache nor its temporary files (the cache's, or pass 1's slot spill).
        Assert.Empty(Directory.GetFiles(dir.Path, name + ".cache*"));
        return ex;
    }

    private static byte[] Lines(params string[] lines) => Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");

    [Fact]
    public void BadLabel()
    {
        using var dir = new TempDir();
        var ex = PrepareFails(dir, "bad.tsv", Lines(GoodRow, "2" + GoodRow[1..]));
        Assert.Contains("bad.tsv:2:", ex.Message);
        Assert.Contains("label", ex.Message);
    }

    [Fact]
    public void NonIntegerField()
    {
        using var dir = new TempDir();
        var ex = PrepareFails(dir, "train.tsv", Lines(GoodRow, GoodRow, "1\t1\t2\tabc" + new string('\t', 36)));
        Assert.Equal("train.tsv:3: field I3: \"abc\" is not an integer", ex.Message);
        var ex2 = PrepareFails(dir, "f.tsv", Lines("1\t1.5"));
        Assert.Contains("f.tsv:1: field I1", ex2.Message);
    }

    [Fact]
    public void TooManyFields()
    {
        using var dir = new TempDir();
        var ex = PrepareFails(dir, "wide.tsv", Lines(GoodRow, GoodRow + "\textra"));
        Assert.Contains("wide.tsv:2:", ex.Message);
        Assert.Contains("too many fields", ex.Message);
        Assert.Contains("41", ex.Message);
    }

    [Fact]
    public void BinaryGarbage()
    {
        using var dir = new TempDir();
        var withNul = Lines(GoodRow).Concat(Encoding.UTF8.GetBytes("1\t2\t3\t\t\t\t\t\t\t\t\t\t\t\tab\0cd\n")).ToArray();
        var ex = PrepareFails(dir, "bin.tsv", withNul);
        Assert.Contains("bin.tsv:2:", ex.Message);
        Assert.Contains("C1", ex.Message);
        Assert.Contains("NUL", ex.Message);

        var invalidUtf8 = Lines(GoodRow).Concat(Encoding.UTF8.GetBytes("1\t2\t3\t\t\t\t\t\t\t\t\t\t\t\tok\t")).Concat(new byte[] { 0xFF, 0xFE, 0x80, (byte)'\n' }).ToArray();
        var ex2 = PrepareFails(dir, "bin2.tsv", invalidUtf8);
        Assert.Contains("bin2.tsv:2:", ex2.Message);
        Assert.Contains("field C2", ex2.Message);
        Assert.Contains("UTF-8", ex2.Message);

        var random = new byte[5000];
        new Random(1).NextBytes(random);
        var ex3 = PrepareFails(dir, "random.bin", random);
        Assert.Contains("random.bin:", ex3.Message);
    }

    [Fact]
    public void WrongFeatureCountInPositionalLibsvm()
    {
        using var dir = new TempDir();
        var ex = PrepareFails(dir, "pos.libsvm", Lines("1 1:1 5:1 9:1", "0 2:1 6:1 9:1", "0 2:1 6:1"),
            new DataOptions { Format = DataFormat.Libsvm });
        Assert.Contains("pos.libsvm:3:", ex.Message);
        Assert.Contains("field f2", ex.Message);
        var ex2 = PrepareFails(dir, "pos2.libsvm", Lines("1 1:1 5:1", "0 2:1 6:1 9:1"), new DataOptions { Format = DataFormat.Libsvm });
        Assert.Contains("pos2.libsvm:2:", ex2.Message);
        Assert.Contains("too many features", ex2.Message);
        var ex3 = PrepareFails(dir, "lab.libsvm", Lines("1 1:1", "2 1:1"), new DataOptions { Format = DataFormat.Libsvm });
        Assert.Contains("lab.libsvm:2: field label", ex3.Message);
        var ex4 = PrepareFails(dir, "map.libsvm", Lines("1 1:1", "0 99:1"),
            new DataOptions { Format = DataFormat.Libsvm, LibsvmFieldMap = LibsvmFieldMap.Parse("a:0-9") });
        Assert.Contains("map.libsvm:2:", ex4.Message);
        Assert.Contains("99", ex4.Message);
    }

    [Fact]
    public void CsvBadNumberAndTooManyColumns()
    {
        using var dir = new TempDir();
        var opt = new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=y;cat=c;num=n") };
        var ex = PrepareFails(dir, "n.csv", Lines("y,c,n", "1,a,2", "0,b,x1"), opt);
        Assert.Equal("n.csv:3: field n: \"x1\" is not a number", ex.Message);
        var ex2 = PrepareFails(dir, "w.csv", Lines("y,c,n", "1,a,2,9"), opt);
        Assert.Contains("w.csv:2:", ex2.Message);
        Assert.Contains("too many columns", ex2.Message);
    }

    [Fact]
    public void EmptyFile()
    {
        using var dir = new TempDir();
        var ex = PrepareFails(dir, "empty.tsv", []);
        Assert.Contains("empty.tsv", ex.Message);
        Assert.Contains("empty", ex.Message);
        var ex2 = PrepareFails(dir, "empty.libsvm", [], new DataOptions { Format = DataFormat.Libsvm });
        Assert.Contains("empty.libsvm", ex2.Message);
        var ex3 = PrepareFails(dir, "empty.csv", [], new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=y") });
        Assert.Contains("empty.csv", ex3.Message);
    }

    [Fact]
    public void SkipBadLinesCountsThem()
    {
        using var dir = new TempDir();
        string path = dir.WriteBytes("mixed.tsv", Lines(GoodRow, "x" + GoodRow[1..], GoodRow, "1\tabc", GoodRow, GoodRow + "\t1\t2", GoodRow));
        using var p = DataPipeline.Prepare(path, dir.File("m.cache"), new DataOptions { SkipBadLines = true }, SplitOptions.None);
        Assert.Equal(4, p.Count);
        Assert.Equal(3, p.SkippedLines);
        using var again = DataPipeline.Open(dir.File("m.cache"));
        Assert.Equal(3, again.SkippedLines);
    }
}
