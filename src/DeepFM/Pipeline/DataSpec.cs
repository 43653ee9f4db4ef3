using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Features;

namespace DeepFM.Pipeline;

/// <summary>Where the data of a run comes from and how it is read and split.</summary>
public sealed record DataSpec
{
    /// <summary>Training file (raw text, or a cache written by <c>deepfm prepare</c>).</summary>
    public required string Train { get; init; }

    /// <summary>Separate validation file; when null, <see cref="Split"/> carves validation rows out of <see cref="Train"/>.</summary>
    public string? Valid { get; init; }

    /// <summary>Separate test file; when null, <see cref="Split"/> may carve test rows out of <see cref="Train"/>.</summary>
    public string? Test { get; init; }

    /// <summary>Format and feature options.</summary>
    public DataOptions Options { get; init; } = new();

    /// <summary>Seeded random split of <see cref="Train"/>.</summary>
    public SplitOptions Split { get; init; } = new() { ValidFraction = 0.1 };

    /// <summary>Whether the user asked for <see cref="Split"/>'s fractions explicitly. A prepared cache as
    /// <see cref="Train"/> carries its own split; when one was asked for and differs, loading fails with a clear
    /// message instead of silently using the cache's.</summary>
    public bool SplitGiven { get; init; }

    /// <summary>Folder for prepared-data caches (null: the user cache folder).</summary>
    public string? CacheDir { get; init; }
}

/// <summary>Encoded train/valid/test rows sharing one feature map; disposing closes the caches.</summary>
public sealed class DataSplits : IDisposable
{
    private readonly List<IDisposable> _owned;

    internal DataSplits(FeatureMap map, IRowSet train, IRowSet? valid, IRowSet? test, List<IDisposable> owned, TimeSpan prepareTime)
    {
        FeatureMap = map;
        Train = train;
        Valid = valid is { Count: > 0 } ? valid : null;
        Test = test is { Count: > 0 } ? test : null;
        _owned = owned;
        PrepareTime = prepareTime;
    }

    /// <summary>Vocabularies fitted on the training rows.</summary>
    public FeatureMap FeatureMap { get; }

    /// <summary>Training rows.</summary>
    public IRowSet Train { get; }

    /// <summary>Validation rows, if any.</summary>
    public IRowSet? Valid { get; }

    /// <summary>Test rows, if any.</summary>
    public IRowSet? Test { get; }

    /// <summary>Time spent reading text and writing caches (zero when caches were reused).</summary>
    public TimeSpan PrepareTime { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }
}

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
            if (IsCacheFile(spec.Train))
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
                main = DataPipeline.OpenOrPrepare(spec.Train, cache, spec.Options, split);
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
