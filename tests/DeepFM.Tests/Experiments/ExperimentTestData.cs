using System.Globalization;
using DeepFM.Charts;
using DeepFM.Synthetic;
using SkiaSharp;

namespace DeepFM.Tests.Experiments;

/// <summary>A temp folder with a tiny synthetic Criteo-format dataset; deleted on dispose.</summary>
public sealed class ExperimentTestData : IDisposable
{
    public ExperimentTestData()
    {
        Dir = Path.Combine(Path.GetTempPath(), "deepfm-exp-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
        DataPath = Path.Combine(Dir, "synth.tsv");
        CriteoSynth.Generate(new SynthOptions { Rows = 4000, MaxCardinality = 1000 }, DataPath, null);
        CacheDir = Path.Combine(Dir, "cache");
    }

    public string Dir { get; }
    public string DataPath { get; }
    public string CacheDir { get; }

    /// <summary>Tiny network and training settings, so a model trains in well under a second on two cores.</summary>
    public string[] TinyArgs() =>
        ["--hidden", "8,8", "--embedding-size", "4", "--epochs", "2", "--batch-size", "256", "--cache-dir", CacheDir, "--quiet"];

    public string Generate(string name, long rows, ulong seed)
    {
        string path = Path.Combine(Dir, name);
        CriteoSynth.Generate(new SynthOptions { Rows = rows, MaxCardinality = 1000, Seed = seed, WorldSeed = 1 }, path, null);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>Parses results.csv into header → value maps (RFC 4180 quoting: a quoted cell may hold commas and "").</summary>
    public static List<Dictionary<string, string>> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        Assert.NotEmpty(lines);
        var header = Cells(lines[0]);
        return [.. lines.Skip(1).Select(l =>
        {
            var cells = Cells(l);
            Assert.Equal(header.Count, cells.Count);
            return header.Zip(cells).ToDictionary(p => p.First, p => p.Second);
        })];
    }

    private static List<string> Cells(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c != '"') cell.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString());
        return cells;
    }

    public static double Number(Dictionary<string, string> row, string column) =>
        double.Parse(row[column], NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Checks a PNG: signature, a non-trivial size, and that SkiaSharp decodes it to the chart size.</summary>
    public static void AssertPng(string path)
    {
        Assert.True(File.Exists(path), $"{path} missing");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 2000, $"{path}: only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        using var bitmap = SKBitmap.Decode(bytes);
        Assert.NotNull(bitmap);
        Assert.Equal(ScottPlotChartRenderer.Width, bitmap.Width);
        Assert.Equal(ScottPlotChartRenderer.Height, bitmap.Height);
        // Not a blank image: more than one colour.
        var first = bitmap.GetPixel(0, 0);
        bool varied = false;
        for (int y = 0; y < bitmap.Height && !varied; y += 7)
            for (int x = 0; x < bitmap.Width && !varied; x += 7)
                varied = bitmap.GetPixel(x, y) != first;
        Assert.True(varied, $"{path} is a blank image");
    }
}
