using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Features;

namespace DeepFM.Pipeline;

/// <summary>Loads a <see cref="DataSpec"/>: prepares or reuses caches, and encodes separate valid/test files with the training map.</summary>
public static class DataLoader
{
    /// <summary>The default cache folder: <c>$XDG_CACHE_HOME/deepfm</c> or <c>~/.cache/deepfm</c>.</summary>
    public static string DefaultCacheDir()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
        return Path.Combine(root, "deepfm");
    }

    /// <summary>True when the file starts with the prepared-cache magic bytes.</summary>
    public static bool IsCacheFile(string path)
    {
        if (!File.Exists(path)) return false;
        Span<byte> head = stackalloc byte[8];
        using var f = File.OpenRead(path);
        return f.Read(head) == 8 && head.SequenceEqual("DFMCACHE"u8);
    }

    /// <summary>Cache path for a data file under given options: the file name plus a hash of its full path, options and split.</summary>
    public static string CachePathFor(string dataPath, DataOptions options, SplitOptions split, string? cacheDir, string role)
    {
        string dir = cacheDir ?? DefaultCacheDir();
        Directory.CreateDirectory(dir);
        string key = $"{Path.GetFullPath(dataPath)}|{options}|{split}|{role}";
        ulong h = System.IO.Hashing.XxHash64.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(key));
        return Path.Combine(dir, $"{Path.GetFileName(dataPath)}.{role}.{h:x16}.cache");
    }

    /// <summary>Fails when a cache's own split differs from the one asked for (fractions a separate file replaces
    /// are not compared; the seed only when some fraction is above zero).</summary>
    private static void CheckCacheSplit(string path, PreparedData cache, SplitOptions asked)
    {
        var h = cache.Header;
        bool validDiffers = asked.ValidFraction > 0 && h.ValidFraction != asked.ValidFraction;
        bool testDiffers = asked.TestFraction > 0 && h.TestFraction != asked.TestFraction;
        bool seedDiffers = (asked.ValidFraction > 0 || asked.TestFraction > 0) && h.Seed != asked.Seed;
        if (!validDiffers && !testDiffers && !seedDiffers) return;
        throw new UserInputException(string.Format(System.Globalization.CultureInfo.InvariantCulture,
            "{0}: this cache carries its own split (valid {1:0.###}, test {2:0.###}, seed {3}), not the one asked for (valid {4:0.###}, test {5:0.###}, seed {6}). "
            + "Run 'deepfm prepare' again with that split, or leave out --valid-fraction/--test-fraction to use the cache's.",
            Path.GetFileName(path), h.ValidFraction, h.TestFraction, h.Seed, asked.ValidFraction, asked.TestFraction, asked.Seed));
    }

    /// <summary>Loads the splits of <paramref name="spec"/>.</summary>
    public static DataSplits Load(DataSpec spec)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (!File.Exists(spec.Train)) throw new UserInputException($"{spec.Train}: file not found.");
        var owned = new List<IDisposable>();
        try
        {
            var split = spec.Split;
            if (spec.Valid is not null) split = split with { ValidFraction = 0 };
            if (spec.Test is not null) split = split with { TestFraction = 0 };
            PreparedData main;
            bool reused;
            if (spec.FeatureMap is { } given)
            {
                if (IsCacheFile(spec.Train))
                {
                    main = PreparedData.Open(spec.Train);
                    owned.Add(main);
                    if (main.FeatureMap.Hash != given.Hash)
                        throw new UserInputException($"{spec.Train}: this cache was encoded with another feature map than the model's; give the raw data file to continue training the model on it.");
                }
                else
                {
                    main = DataPipeline.EncodeWith(spec.Train, given, null, spec.Options.SkipBadLines, split);
                    owned.Add(main);
                }
                reused = false;
            }
            else if (IsCacheFile(spec.Train))
            {
                main = PreparedData.Open(spec.Train);
                owned.Add(main);
                if (spec.SplitGiven) CheckCacheSplit(spec.Train, main, split);
                reused = true;
            }
            else
            {
                string cache = CachePathFor(spec.Train, spec.Options, split, spec.CacheDir, "train");
                reused = DataPipeline.IsCurrent(cache, spec.Train, spec.Options, split);
                main = DataPipeline.OpenOrPrepare(spec.Train, cache, spec.Options, split, spec.Progress);
                owned.Add(main);
            }
            var map = main.FeatureMap;
            IRowSet? valid = main.Valid, test = main.Test;
            if (spec.Valid is not null) valid = EncodeExtra(spec.Valid, map, spec, owned);
            if (spec.Test is not null) test = EncodeExtra(spec.Test, map, spec, owned);
            return new DataSplits(map, main.Train, valid, test, owned, reused && spec.Valid is null && spec.Test is null ? TimeSpan.Zero : clock.Elapsed);
        }
        catch
        {
            foreach (var d in owned) d.Dispose();
            throw;
        }
    }

    private static IRowSet EncodeExtra(string path, FeatureMap map, DataSpec spec, List<IDisposable> owned)
    {
        if (!File.Exists(path)) throw new UserInputException($"{path}: file not found.");
        var data = IsCacheFile(path) ? PreparedData.Open(path) : DataPipeline.EncodeWith(path, map, null, spec.Options.SkipBadLines);
        owned.Add(data);
        if (data.FeatureMap.Hash != map.Hash)
            throw new UserInputException($"{path}: this cache was encoded with a different feature map than the training data.");
        return data.All;
    }
}
