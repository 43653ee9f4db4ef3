using System.Text;
using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Training;

namespace DeepFM.Tests.Data;

/// <summary>Use after dispose of a prepared cache throws <see cref="ObjectDisposedException"/>; without the check these
/// calls would read the unmapped view (an access violation, or garbage).</summary>
public class DisposeTests
{
    private static readonly DataOptions Csv = new()
    {
        Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse("label=y;cat=a,b;num=x"), MinCount = 1,
    };

    private const int Rows = 3000;

    private static string WriteRows(TempDir dir, string name)
    {
        var rnd = new Random(7);
        var sb = new StringBuilder("y,a,b,x\n");
        for (int i = 0; i < Rows; i++)
            sb.Append(rnd.Next(2)).Append(",a").Append(rnd.Next(20)).Append(",b").Append(rnd.Next(5)).Append(',')
              .Append(rnd.Next(-2, 500)).Append('\n');
        return dir.Write(name, sb.ToString());
    }

    /// <summary>A cache with all three splits non-empty (so Train, Valid and Test are index views), and its path.</summary>
    private static (PreparedData Data, string Cache) Prepare(TempDir dir)
    {
        string cache = dir.File("d.cache");
        var data = DataPipeline.Prepare(WriteRows(dir, "d.csv"), cache, Csv,
            new SplitOptions { ValidFraction = 0.2, TestFraction = 0.1, Seed = 3 });
        return (data, cache);
    }

    private static PreparedData Disposed(TempDir dir)
    {
        var (data, _) = Prepare(dir);
        data.Dispose();
        return data;
    }

    [Fact]
    public void GatherFromTrainThrows()
    {
        using var dir = new TempDir();
        var (data, cache) = Prepare(dir);
        var train = data.Train;
        var batch = new Batch(8, train.FieldCount);
        train.Gather([0, 1, 2], batch); // works while mapped
        data.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => train.Gather([0, 1, 2], batch));
        Assert.Contains(Path.GetFileName(cache), e.Message);
    }

    [Fact]
    public void GatherFromAllThrows()
    {
        using var dir = new TempDir();
        var data = Disposed(dir);
        var batch = new Batch(8, data.FieldCount);
        Assert.Throws<ObjectDisposedException>(() => data.All.Gather([0, 5], batch));
    }

    [Fact]
    public void LargeGatherThrowsBeforeSplittingAcrossCores()
    {
        // Batches of 1024 rows and more take the parallel path; the check must come before the work is handed out.
        using var dir = new TempDir();
        var data = Disposed(dir);
        int n = Math.Min(2048, data.Train.Count);
        Assert.True(n >= 1024);
        var rows = Enumerable.Range(0, n).ToArray();
        var batch = new Batch(n, data.FieldCount);
        Assert.Throws<ObjectDisposedException>(() => data.Train.Gather(rows, batch));
        Assert.Throws<ObjectDisposedException>(() => data.All.Gather(rows, batch));
    }

    [Fact]
    public void GatherFromSplitViewsThrows()
    {
        using var dir = new TempDir();
        var (data, _) = Prepare(dir);
        var valid = data.Valid;
        var test = data.Test;
        Assert.IsType<IndexedRowSet>(valid);
        Assert.IsType<IndexedRowSet>(test);
        data.Dispose();
        var batch = new Batch(4, data.FieldCount);
        Assert.Throws<ObjectDisposedException>(() => valid.Gather([0, 1], batch));
        Assert.Throws<ObjectDisposedException>(() => test.Gather([0], batch));
    }

    [Fact]
    public void SliceThrows()
    {
        using var dir = new TempDir();
        var data = Disposed(dir);
        var batch = new Batch(16, data.FieldCount);
        Assert.Throws<ObjectDisposedException>(() => data.All.Slice(0, 16, batch));
        Assert.Throws<ObjectDisposedException>(() => data.Train.Slice(0, 16, batch));
        Assert.Throws<ObjectDisposedException>(() => data.Valid.Slice(0, 4, batch));
    }

    [Fact]
    public void ReadingLabelsThrows()
    {
        using var dir = new TempDir();
        var (data, _) = Prepare(dir);
        Assert.Equal(data.Valid.Count, Predictor.Labels(data.Valid).Length);
        data.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Predictor.Labels(data.Valid));
        Assert.Throws<ObjectDisposedException>(() => Predictor.Labels(data.All));
    }

    [Fact]
    public void TagOfThrows()
    {
        using var dir = new TempDir();
        var (data, cache) = Prepare(dir);
        _ = data.TagOf(0);
        data.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => data.TagOf(0));
        Assert.Contains(Path.GetFileName(cache), e.Message);
    }

    [Fact]
    public void TemporaryCacheThrowsToo()
    {
        // EncodeWith without a cache path maps a temporary file (all rows tagged Test, so Test is All).
        using var dir = new TempDir();
        var (main, _) = Prepare(dir);
        using (main)
        {
            var extra = DataPipeline.EncodeWith(WriteRows(dir, "extra.csv"), main.FeatureMap, null);
            var all = extra.All;
            extra.Dispose();
            var batch = new Batch(4, all.FieldCount);
            Assert.Throws<ObjectDisposedException>(() => all.Gather([0], batch));
            Assert.Throws<ObjectDisposedException>(() => extra.Test.Slice(0, 4, batch));
            Assert.Throws<ObjectDisposedException>(() => extra.TagOf(0));
        }
    }

    [Fact]
    public void ManagedMembersKeepWorking()
    {
        using var dir = new TempDir();
        var data = Disposed(dir);
        Assert.Equal(Rows, data.Count);
        Assert.Equal(Rows, data.All.Count);
        Assert.Equal(Rows, data.Train.Count + data.Valid.Count + data.Test.Count);
        Assert.Equal(3, data.FieldCount);
        Assert.Equal(3, data.Train.FieldCount);
        Assert.Equal(3, data.FeatureMap.FieldCount);
        Assert.Equal(0, data.SkippedLines);
    }

    [Fact]
    public void DisposeTwiceIsHarmless()
    {
        using var dir = new TempDir();
        var (data, _) = Prepare(dir);
        data.Dispose();
        data.Dispose();
        Assert.Throws<ObjectDisposedException>(() => data.TagOf(0));
        // The file is closed: it can be opened again, and the new mapping reads as before.
        using var again = DataPipeline.Open(dir.File("d.cache"));
        Assert.Equal(data.Count, again.Count);
        var batch = new Batch(2, again.FieldCount);
        again.Train.Gather([0, 1], batch);
        Assert.Equal(2, batch.Size);
    }

    [Fact]
    public void ConcurrentDisposeReleasesOnce()
    {
        using var dir = new TempDir();
        var (data, _) = Prepare(dir);
        Parallel.For(0, 8, _ => data.Dispose());
        Assert.Throws<ObjectDisposedException>(() => data.TagOf(0));
    }
}
