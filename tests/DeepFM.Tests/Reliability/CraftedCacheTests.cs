using System.Buffers.Binary;
using DeepFM.Preparation;

namespace DeepFM.Tests.Reliability;

/// <summary>
/// Caches whose checksums were made to match damaged content (what anyone can do: the checksums find damage, they are
/// no signature), as the cache fuzz target crafts them: the checks behind the checksums must refuse them before a
/// gather or an embedding lookup reads out of bounds.
/// </summary>
public sealed class CraftedCacheTests(CorruptionSamples samples) : IClassFixture<CorruptionSamples>
{
    /// <summary>Recomputes the payload checksum (when the layout fits) and the header hash, as a forger would.</summary>
    private static unsafe byte[] Reseal(byte[] b)
    {
        int version = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(8));
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(112), CacheHeader.HeaderHash(b, version));
        var header = CacheHeader.Read(new MemoryStream(b), "x");
        if (header.Layout.Total == b.Length)
            fixed (byte* p = b) BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(104), header.ComputeChecksum(p));
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(112), CacheHeader.HeaderHash(b, version));
        return b;
    }

    private void Refused(string sample, Action<byte[], CacheHeader> craft, string why)
    {
        byte[] b = File.ReadAllBytes(sample);
        var header = CacheHeader.Read(new MemoryStream(b), "x");
        craft(b, header);
        string path = samples.Scratch.WriteBytes("crafted-" + Path.GetFileName(sample), Reseal(b));
        var e = Assert.Throws<UserInputException>(() => DataPipeline.Open(path).Dispose());
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void AnIdOutsideTheFeatureMapIsRefused()
    {
        foreach (string cache in new[] { samples.FixedCache, samples.JaggedCache })
            Refused(cache, (b, h) => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan((int)h.Layout.Ids + 4), int.MaxValue), "an id lies outside the feature map");
        Refused(samples.FixedCache, (b, h) => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan((int)h.Layout.Ids), -1), "an id lies outside the feature map");
    }

    [Fact]
    public void AnUnknownSplitTagIsRefused() =>
        Refused(samples.FixedCache, (b, h) => b[h.Layout.Tags + 3] = 7, "unknown split tag");

    [Fact]
    public void ALabelOtherThanZeroOrOneIsRefused() =>
        Refused(samples.NoValuesCache, (b, h) => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan((int)h.Layout.Labels + 8), float.NaN), "a label is not 0 or 1");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SizesWhoseLayoutOverflowsAreRefused(bool jagged)
    {
        // Entries of 4 bytes beyond a long (rows·fields, or a jagged cache's entry count): unchecked, the total
        // wrapped and could be made to match the file's length.
        byte[] b = File.ReadAllBytes(jagged ? samples.JaggedCache : samples.FixedCache);
        if (jagged) BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(120), long.MaxValue / 2);
        else
        {
            BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(72), int.MaxValue);
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(80), int.MaxValue);
        }
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(112), CacheHeader.HeaderHash(b, jagged ? 3 : 2));
        var e = Assert.Throws<UserInputException>(() => CacheHeader.Read(new MemoryStream(b), "c.cache"));
        Assert.Contains("c.cache: checksum mismatch: header holds impossible sizes", e.Message);
        string path = samples.Scratch.WriteBytes("c.cache", b);
        Assert.Contains("impossible sizes", Assert.Throws<UserInputException>(() => DataPipeline.Open(path).Dispose()).Message);
    }
}
