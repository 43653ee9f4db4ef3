using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Synthetic;

namespace DeepFM.Tests.Data;

/// <summary>Prepare reports its passes in order, each monotonic, the parse in bytes up to the file's size and the write
/// in rows up to the row count; the multi-valued path reports its passes too.</summary>
public sealed class PrepareProgressTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private sealed class Recorder : IProgress<PrepareProgress>
    {
        public List<PrepareProgress> Seen { get; } = [];
        public void Report(PrepareProgress value) => Seen.Add(value);
    }

    [Fact]
    public void PassesAreReportedInOrderAndMonotonic()
    {
        string data = _dir.File("s.tsv");
        CriteoSynth.Generate(new SynthOptions { Rows = 30_000, Seed = 1 }, data, null);
        var recorder = new Recorder();
        using var prepared = DataPipeline.Prepare(data, _dir.File("s.cache"), new DataOptions { MinCount = 2 }, SplitOptions.None, default, recorder);
        var passes = recorder.Seen.Select(p => p.Pass).Distinct().ToList();
        Assert.Equal(["reading", "writing"], passes);
        foreach (string pass in passes)
        {
            var done = recorder.Seen.Where(p => p.Pass == pass).Select(p => p.Done).ToList();
            Assert.True(done.Count >= 3, $"{pass}: {done.Count} reports for 30,000 rows in chunks of {4096}");
            Assert.Equal(done.Order(), done);
        }
        long length = new FileInfo(data).Length;
        Assert.All(recorder.Seen.Where(p => p.Pass == "reading"), p => { Assert.True(p.InBytes); Assert.Equal(length, p.Total); Assert.InRange(p.Done, 1, length); });
        var last = recorder.Seen[^1];
        Assert.Equal(("writing", prepared.Count, prepared.Count, false), (last.Pass, last.Done, last.Total, last.InBytes));
    }

    [Fact]
    public void TheMultiValuedPathReportsItsTwoParses()
    {
        string csv = _dir.File("bags.csv");
        BagSynth.Generate(20_000, 1, 5, csv, null);
        var recorder = new Recorder();
        var options = new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=label;cat=user,item;multi=tags:|") };
        using var prepared = DataPipeline.Prepare(csv, _dir.File("b.cache"), options, SplitOptions.None, default, recorder);
        Assert.Equal(["reading", "encoding"], recorder.Seen.Select(p => p.Pass).Distinct().ToList());
    }
}
