using DeepFM.Data;

namespace DeepFM.Preparation;

/// <summary>Whether a prepared cache still matches its source: the data file, the options and the split.</summary>
internal static class CacheStaleness
{
    /// <summary>True when the cache header matches the data file's length and write time, the options and the split.</summary>
    public static bool IsCurrent(string cachePath, string dataPath, DataOptions options, SplitOptions split)
    {
        try
        {
            CacheHeader h;
            using (var fs = new FileStream(cachePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                h = CacheHeader.Read(fs, Path.GetFileName(cachePath));
            var src = new FileInfo(dataPath);
            return src.Exists && (h.Flags & CacheHeader.FlagEncodedWithMap) == 0 && h.Format == options.Format && h.OptionsFingerprint == options.Fingerprint()
                   && h.SourceLength == src.Length && h.SourceWriteTicks == src.LastWriteTimeUtc.Ticks
                   && h.ValidFraction == split.ValidFraction && h.TestFraction == split.TestFraction && h.Seed == split.Seed;
        }
        catch (Exception e) when (e is UserInputException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
