using System.Text;
using DeepFM.Features;
using DeepFM.Preparation;
using DeepFM.Serialization;

namespace DeepFM.Tests.Reliability;

/// <summary>
/// Every persisted format against damage: each bit of its header flipped, a sample of payload bits flipped, cut at
/// every section boundary and at a sample of other lengths, and garbage appended. Each damaged copy must be refused
/// with a <see cref="UserInputException"/> that names the file and says what is wrong: never loaded (a silently wrong
/// model or row), never another exception.
/// </summary>
public sealed class CorruptionTests(CorruptionSamples samples) : IClassFixture<CorruptionSamples>
{
    private const int PayloadBits = 400, SampledLengths = 150;

    // Bits flipped exhaustively in a model file or checkpoint: the binary lead-in (magic, version, the JSON length
    // prefix) and the start of the JSON. The rest of the JSON is text under the same SHA-256 as the payload, so it is
    // sampled with the payload, which keeps the test at seconds.
    private const int JsonHeaderBytes = 256;

    /// <summary>The damaged variants of <paramref name="good"/>: what was done, and the bytes.</summary>
    private static IEnumerable<(string What, byte[] Bytes)> Damage(byte[] good, int headerBytes, IEnumerable<long> boundaries,
        IEnumerable<long>? moreBytes = null)
    {
        for (int bit = 0; bit < 8 * Math.Min(headerBytes, good.Length); bit++) yield return Flip(good, bit);
        foreach (long at in moreBytes ?? [])
            for (int bit = 0; bit < 8; bit++) yield return Flip(good, 8 * at + bit);
        var rnd = new Random(11);
        for (int i = 0; i < PayloadBits && headerBytes < good.Length; i++) yield return Flip(good, rnd.NextInt64(8L * headerBytes, 8L * good.Length));
        var lengths = new SortedSet<long>(boundaries.Where(b => b >= 0 && b < good.Length)) { 0, 1, good.Length - 1, good.Length - 32 };
        for (int i = 0; i < SampledLengths; i++) lengths.Add(rnd.NextInt64(good.Length));
        foreach (long n in lengths) yield return ($"cut to {n} of {good.Length} bytes", good[..(int)n]);
        yield return ("one zero byte appended", [.. good, 0]);
        yield return ("one 0xFF byte appended", [.. good, 0xFF]);
        yield return ("4 KiB of garbage appended", [.. good, .. Enumerable.Range(0, 4096).Select(i => (byte)(i * 31))]);
        yield return ("the file twice", [.. good, .. good]);
    }

    private static (string, byte[]) Flip(byte[] good, long bit)
    {
        var b = (byte[])good.Clone();
        b[bit / 8] ^= (byte)(1 << (int)(bit % 8));
        return ($"bit {bit % 8} of byte {bit / 8} flipped", b);
    }

    /// <summary>Writes each damaged copy where the loader reads it and checks the refusal.</summary>
    private void AllRefused(string sample, int headerBytes, IEnumerable<long> boundaries, Action<string> load, string[] reasons,
        IEnumerable<long>? moreBytes = null)
    {
        byte[] good = File.ReadAllBytes(sample);
        load(sample); // the intact file loads
        string path = samples.Scratch.File(Path.GetFileName(sample));
        int n = 0;
        foreach (var (what, bytes) in Damage(good, headerBytes, boundaries, moreBytes))
        {
            File.WriteAllBytes(path, bytes);
            Exception? thrown = null;
            try { load(path); }
            catch (Exception e) { thrown = e; }
            Assert.True(thrown is not null, $"{Path.GetFileName(sample)}: {what}: loaded without complaint");
            Assert.True(thrown is UserInputException, $"{Path.GetFileName(sample)}: {what}: {thrown}");
            Assert.Contains(Path.GetFileName(sample), thrown.Message);
            Assert.True(reasons.Any(r => thrown.Message.Contains(r, StringComparison.Ordinal)), $"{what}: unclear message: {thrown.Message}");
            n++;
        }
        Assert.True(n > 8 * headerBytes);
    }

    /// <summary>End of the JSON header of a model file or checkpoint (magic, version, length-prefixed string), and,
    /// for a model file, the end of its feature map.</summary>
    private static long[] HeaderAndMapEnds(string path, bool model)
    {
        using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        r.ReadBytes(12);
        r.ReadString();
        long header = r.BaseStream.Position;
        if (!model) return [8, 12, header, header + 4];
        FeatureMap.Read(r);
        return [8, 12, header, r.BaseStream.Position, r.BaseStream.Position + 4];
    }

    [Fact]
    public void DamagedModelFilesAreRefused()
    {
        var ends = HeaderAndMapEnds(samples.Model, model: true);
        AllRefused(samples.Model, (int)Math.Min(ends[2], JsonHeaderBytes), ends, p => ModelFile.Load(p), ["corrupt", "not a DeepFM model file", "version"]);
    }

    [Fact]
    public void DamagedCheckpointsAreRefused()
    {
        var ends = HeaderAndMapEnds(samples.Checkpoint, model: false);
        AllRefused(samples.Checkpoint, (int)Math.Min(ends[2], JsonHeaderBytes), ends, p => Checkpoint.Load(p), ["corrupt", "not a DeepFM checkpoint", "truncated", "version"]);
    }

    [Theory]
    [InlineData("fixed")]
    [InlineData("novalues")]
    [InlineData("jagged")]
    public void DamagedCachesAreRefused(string which)
    {
        string cache = which switch { "fixed" => samples.FixedCache, "novalues" => samples.NoValuesCache, _ => samples.JaggedCache };
        CacheHeader h;
        using (var fs = File.OpenRead(cache)) h = CacheHeader.Read(fs, "x");
        var l = h.Layout;
        Assert.Equal(which == "jagged", l.Offsets != l.Ids);
        Assert.Equal(which == "novalues", l.Values == l.Total);
        // Every byte of the alignment gaps (no section hash covers them) as well as the sampled bits.
        long mapEnd = l.Map + h.MapLength, tagsEnd = l.Tags + h.RowCount;
        var gaps = Enumerable.Range(0, (int)(l.Labels - mapEnd)).Select(i => mapEnd + i)
            .Concat(Enumerable.Range(0, (int)(l.Offsets - tagsEnd)).Select(i => tagsEnd + i)).ToList();
        AllRefused(cache, CacheHeader.Size, [8, 12, 112, 120, l.Map, mapEnd, l.Labels, l.Tags, tagsEnd, l.Offsets, l.Ids, l.Values],
            p => DataPipeline.Open(p).Dispose(), ["checksum mismatch", "cache format version"], gaps);
    }

    /// <summary>A bare feature map has no checksum of its own (it is stored only inside a model file or a cache, whose
    /// checksums cover it, as the tests above show): damage may change a vocabulary key undetected, but reading it
    /// never fails with anything but <see cref="UserInputException"/>.</summary>
    [Fact]
    public void DamagedFeatureMapsReadOrAreRefusedButNeverCrash()
    {
        byte[] good = samples.FeatureMapBytes;
        int refused = 0, total = 0;
        foreach (var (what, bytes) in Damage(good, good.Length, [4, 8, 12, 16]))
        {
            total++;
            try { FeatureMap.Read(new BinaryReader(new MemoryStream(bytes), Encoding.UTF8)); }
            catch (UserInputException e) { refused++; Assert.StartsWith("feature map: ", e.Message); }
            catch (Exception e) { Assert.Fail($"{what}: {e}"); }
        }
        Assert.True(refused > total / 4, $"{refused} of {total} refused");
    }
}
