using System.Text;
using System.Text.Unicode;
using CsCheck;
using DeepFM.Data;
using DeepFM.Preparation;

namespace DeepFM.Tests.Reliability;

/// <summary>
/// Property-based tests of the row parsers: any bytes in a data file either parse into a well-formed row or are refused
/// with the project's own error, which names the file and the line (and the field where there is one) — never another
/// exception, whatever the bytes. A failure is shrunk by CsCheck to a small input and reported with the seed that reproduces it (pass it as seed: to Sample).
/// </summary>
public sealed class ParserProperties : IDisposable
{
    private readonly TempDir _dir = new();
    private int _files;

    public void Dispose() => _dir.Dispose();

    private static readonly byte[][] s_criteoSeeds =
    [
        "1\t5\t\t3\t-1\t0\t12\t\t4\t2\t1\t\t7\t8\t68fd1e64\t80e26c9b\tfb936136\t7b4723c4\t25c83c98\t7e0ccccf\tde7995b8\t1f89b562\ta73ee510\ta8cd5504\tb2cb9c98\t37c9c164\t2824a5f6\t1adce6ef\t8ba8b39a\t891b62e7\te5ba7672\tf54016b9\t21ddcdc9\tb1252a9d\t07b5194c\t\t3a171ecb\tc5c50484\te8b83407\t9727dd16\n0\t\t\t\t\t\t\t\t\t\t\t\t\t\ta\tb\n"u8.ToArray(),
        "0\t1\t2\t3\t4\t5\t6\t7\t8\t9\t10\t11\t12\t13\tc1\tc2\tc3\n"u8.ToArray(),
    ];

    private static readonly byte[][] s_libsvmSeeds =
    [
        "1 0:1 1:0.5 2:3\n-1 0:2 1:1 2:1\n+1 0:7 1:2.5e1 2:0\n"u8.ToArray(),
        "0 3:1 10:1 20:1\n1\t4:1\t11:1\t21:1\r\n"u8.ToArray(),
        "1 0:3.4e38 1:1e-45 2:-3.4e38\n"u8.ToArray(),
    ];

    private static readonly byte[][] s_csvSeeds =
    [
        "y,a,b,x,g\n1,u1,\"i,1\",3.5,Comedy|Drama\n0,u2,i2,,\n1,\"u\"\"3\",i3,-2,Action\n"u8.ToArray(),
        "y;a;b;x;g\n0;é;€;1e3; x | y |\n"u8.ToArray(),
        "y,a,b,x,g\n1,a,b,3.4e38,c\n0,a,b,-3.4e38,\n"u8.ToArray(),
    ];

    private const int Cases = 600;

    private string Write(byte[] bytes)
    {
        string p = _dir.File($"f{Interlocked.Increment(ref _files)}.txt");
        File.WriteAllBytes(p, bytes);
        return p;
    }

    /// <summary>Reads every row of <paramref name="bytes"/>; the only acceptable failure is a <see cref="UserInputException"/>
    /// naming the file (a <see cref="DataFormatException"/> also naming a line of it).</summary>
    private void ParsesOrRefuses(byte[] bytes, DataFormat format, CsvSchema? schema = null, LibsvmFieldMap? map = null, bool labeled = true, bool skipBad = false)
    {
        string path = Write(bytes);
        string name = Path.GetFileName(path);
        long lines = bytes.Count(b => b == (byte)'\n') + 1;
        try
        {
            using var rr = RowReader.Open(path, format, schema, map, null, skipBad, labeled);
            while (rr.Next()) CheckRow(rr);
        }
        catch (DataFormatException e)
        {
            Assert.False(skipBad && e.Line > 1 && format != DataFormat.Csv, $"skip-bad-lines let a line error through: {e.Message}");
            Assert.Equal(name, e.FileName);
            Assert.InRange(e.Line, 1, lines);
            Assert.StartsWith($"{name}:{e.Line}: ", e.Message);
            if (e.Field is not null) Assert.Contains($"field {e.Field}: ", e.Message);
        }
        catch (UserInputException e)
        {
            Assert.Contains(name, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>What a row handed to the encoder must satisfy: a 0/1 label, valid UTF-8 keys, finite numbers.</summary>
    private static void CheckRow(RowReader rr)
    {
        var row = rr.Row;
        Assert.True(row.Label is 0 or 1);
        for (int f = 0; f < row.FieldCount; f++)
        {
            if (row.Missing[f]) continue;
            Assert.True(Utf8.IsValid(row.Key(f)));
            Assert.True(double.IsFinite(row.Number[f]));
            Assert.True(float.IsFinite(row.Value[f]), $"field {rr.Fields[f].Name} has value {row.Value[f]}");
        }
    }

    [Fact]
    public void CriteoLinesParseOrFailNamingFileLineAndField()
    {
        DirtyInput.Any(s_criteoSeeds, 300).Sample(b => ParsesOrRefuses(b, DataFormat.Criteo), iter: Cases, threads: 1);
        DirtyInput.Mutated(s_criteoSeeds).Sample(b => ParsesOrRefuses(b, DataFormat.Criteo, labeled: false), iter: Cases / 3, threads: 1);
        DirtyInput.Mutated(s_criteoSeeds).Sample(b => ParsesOrRefuses(b, DataFormat.Criteo, skipBad: true), iter: Cases / 3, threads: 1);
    }

    [Fact]
    public void LibsvmLinesParseOrFailNamingFileLineAndField()
    {
        var map = LibsvmFieldMap.Parse("a:0-5,b:6-15,c:16-30");
        DirtyInput.Any(s_libsvmSeeds, 200).Sample(b => ParsesOrRefuses(b, DataFormat.Libsvm), iter: Cases, threads: 1);
        DirtyInput.Any(s_libsvmSeeds, 200).Sample(b => ParsesOrRefuses(b, DataFormat.Libsvm, map: map), iter: Cases / 2, threads: 1);
        DirtyInput.Mutated(s_libsvmSeeds).Sample(b => ParsesOrRefuses(b, DataFormat.Libsvm, map: map, labeled: false, skipBad: true), iter: Cases / 3, threads: 1);
    }

    [Fact]
    public void CsvLinesParseOrFailNamingFileLineAndField()
    {
        var comma = CsvSchema.Parse("label=y;cat=a,b;num=x;multi=g:|:2:last:sum");
        var semicolon = CsvSchema.Parse("label=y;num=x;multi=g:|;delim=semicolon");
        DirtyInput.Any(s_csvSeeds, 200).Sample(b => ParsesOrRefuses(b, DataFormat.Csv, comma), iter: Cases, threads: 1);
        DirtyInput.Any(s_csvSeeds, 200).Sample(b => ParsesOrRefuses(b, DataFormat.Csv, semicolon), iter: Cases / 2, threads: 1);
        DirtyInput.Mutated(s_csvSeeds).Sample(b => ParsesOrRefuses(b, DataFormat.Csv, comma, labeled: false, skipBad: true), iter: Cases / 3, threads: 1);
    }

    /// <summary>Whole preparation of a dirty file (parse, count, encode, write, open): a cache or a user error.</summary>
    [Fact]
    public void PreparingADirtyFileGivesACacheOrAUserError()
    {
        var formats = new (DataOptions Options, byte[][] Seeds)[]
        {
            (new DataOptions { Format = DataFormat.Criteo }, s_criteoSeeds),
            (new DataOptions { Format = DataFormat.Libsvm }, s_libsvmSeeds),
            (new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=y;cat=a,b;num=x;multi=g:|") }, s_csvSeeds),
            (new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=y;cat=a,b;num=x"), NumericEncoding = NumericEncoding.LogValue }, s_csvSeeds),
        };
        Gen.Select(Gen.Int[0, formats.Length - 1], Gen.Bool, Gen.Int[0, int.MaxValue]).SelectMany((k, skip, seed) =>
                DirtyInput.Mutated(formats[k].Seeds, 3).Select(b => (k, skip, b)))
            .Sample((k, skip, bytes) =>
            {
                string data = Write(bytes), cache = data + ".cache";
                try
                {
                    using var p = DataPipeline.Prepare(data, cache, formats[k].Options with { SkipBadLines = skip },
                        new SplitOptions { ValidFraction = 0.3, Seed = 1 });
                    Assert.True(p.Count > 0);
                    Assert.Equal(p.Count, p.Train.Count + p.Valid.Count + p.Test.Count);
                }
                catch (UserInputException e)
                {
                    Assert.DoesNotContain("   at ", e.Message);
                }
                finally
                {
                    File.Delete(data);
                    File.Delete(cache);
                }
                Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp-*"));
            }, iter: 300, threads: 1);
    }

    /// <summary>Found by <see cref="LibsvmLinesParseOrFailNamingFileLineAndField"/>: <c>1e300</c> is a finite double but
    /// an infinite float value, which was accepted and made training diverge (loss NaN at step 0).</summary>
    [Theory]
    [InlineData(DataFormat.Libsvm, "1 0:1e300 1:1\n", "a.svm:1: field f0: feature value \"1e300\" is out of range")]
    [InlineData(DataFormat.Libsvm, "1 0:1 1:-4e38\n", "a.svm:1: field f1: feature value \"-4e38\" is out of range")]
    [InlineData(DataFormat.Csv, "y,x\n1,3.5e38\n", "a.svm:2: field x: \"3.5e38\" is out of range")]
    [InlineData(DataFormat.Csv, "y,x\n1,1e400\n", "a.svm:2: field x: \"1e400\" is out of range")]
    [InlineData(DataFormat.Csv, "y,x\n1,NaN\n", "a.svm:2: field x: \"NaN\" is not a number")]
    public void NumbersBeyondFloatRangeAreRefused(DataFormat format, string text, string message)
    {
        string path = _dir.Write("a.svm", text);
        var e = Assert.Throws<DataFormatException>(() =>
        {
            using var rr = RowReader.Open(path, format, CsvSchema.Parse("label=y;num=x"), null, null, skipBad: false);
            while (rr.Next()) { }
        });
        Assert.StartsWith(message, e.Message);
        Assert.True(NumericText.TryParseNumber("3.4e38"u8, out _));
    }
}
