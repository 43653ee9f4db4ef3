using System.Text;
using DeepFM.Data;
using DeepFM.Preparation;
using DeepFM.Features;

namespace DeepFM.Tests.Data;

/// <summary>A fact that is skipped, with the reason, when /work/shared/data (../shared/data from the repo) is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(string subfolder)
    {
        string? dir = DataTestUtil.SharedData(subfolder);
        if (dir is null) Skip = $"Shared data folder ../shared/data/{subfolder} not found next to the repository; test needs real data.";
    }
}

internal static class DataTestUtil
{
    /// <summary>Walks up from the test binaries, then (for builds with an outside artifacts folder) from this source file.</summary>
    public static string? RepoRoot() => FindUp(AppContext.BaseDirectory) ?? FindUp(Path.GetDirectoryName(SourceFile()));

    private static string SourceFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;

    private static string? FindUp(string? start)
    {
        if (string.IsNullOrEmpty(start) || !Directory.Exists(start)) return null;
        for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "DeepFM.slnx"))) return d.FullName;
        return null;
    }

    public static string? SharedData(string subfolder)
    {
        string? root = RepoRoot();
        if (root is null) return null;
        string p = Path.GetFullPath(Path.Combine(root, "..", "shared", "data", subfolder));
        return Directory.Exists(p) ? p : null;
    }

    public static string Shared(string relative) => Path.Combine(SharedData(".")!, relative);

    /// <summary>Reads all rows of a row set into arrays (tests only).</summary>
    public static (int[] Ids, float[] Values, float[] Labels) ReadAll(IRowSet set)
    {
        var ids = new List<int>();
        var vals = new List<float>();
        var labels = new List<float>();
        var b = new Batch(256, set.FieldCount);
        for (int s = 0; s < set.Count; s += 256)
        {
            set.Slice(s, Math.Min(256, set.Count - s), b);
            ids.AddRange(b.Ids.ToArray());
            vals.AddRange(b.Values.ToArray());
            labels.AddRange(b.Labels.ToArray());
        }
        return (ids.ToArray(), vals.ToArray(), labels.ToArray());
    }

    public static (int[] Ids, float[] Values, float[] Labels) StreamAll(string path, FeatureMap map, int batch = 100)
    {
        var ids = new List<int>();
        var vals = new List<float>();
        var labels = new List<float>();
        foreach (var b in DataPipeline.StreamBatches(path, map, batch))
        {
            ids.AddRange(b.Ids.ToArray());
            vals.AddRange(b.Values.ToArray());
            labels.AddRange(b.Labels.ToArray());
        }
        return (ids.ToArray(), vals.ToArray(), labels.ToArray());
    }

    /// <summary>Copies the first <paramref name="lines"/> lines of a shared file into a temp file (never into the repo).</summary>
    public static string Head(TempDir dir, string source, int lines, string name)
    {
        string p = dir.File(name);
        using var r = new StreamReader(source);
        using var w = new StreamWriter(p) { NewLine = "\n" };
        for (int i = 0; i < lines && r.ReadLine() is { } l; i++) w.WriteLine(l);
        return p;
    }
}
