using System.Text;
using DeepFM.Synthetic;

namespace DeepFM.Tests.Synthetic;

public class CriteoSynthTests
{
    private static (byte[] Data, byte[] Truth, SynthSummary Summary) Run(SynthOptions options)
    {
        using var data = new MemoryStream();
        using var truth = new MemoryStream();
        var summary = CriteoSynth.Generate(options, data, truth);
        return (data.ToArray(), truth.ToArray(), summary);
    }

    private static string[][] Rows(byte[] data)
    {
        string text = Encoding.UTF8.GetString(data);
        Assert.EndsWith("\n", text);
        return text[..^1].Split('\n').Select(l => l.Split('\t')).ToArray();
    }

    private static double[] Truth(byte[] truth) =>
        Encoding.UTF8.GetString(truth).TrimEnd('\n').Split('\n')
            .Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public void SameSeedGivesIdenticalBytesWhateverTheThreadCount()
    {
        var options = new SynthOptions { Rows = 20_000, Seed = 42, MaxCardinality = 50_000 };
        var a = Run(options with { MaxThreads = 1 });
        var b = Run(options with { MaxThreads = 3 });
        Assert.Equal(a.Data, b.Data);
        Assert.Equal(a.Truth, b.Truth);
        Assert.Equal(a.Summary.Positives, b.Summary.Positives);
        Assert.Equal(a.Summary.MeanTrueProbability, b.Summary.MeanTrueProbability);

        var c = Run(options with { Seed = 43 });
        Assert.NotEqual(a.Data, c.Data);
        Assert.NotEqual(a.Truth, c.Truth);
    }

    [Fact]
    public void WorldSeedFixesTheModelAcrossRowSeeds()
    {
        var a = new SynthWorld(new SynthOptions { Seed = 1, WorldSeed = 9, MaxCardinality = 1000 });
        var b = new SynthWorld(new SynthOptions { Seed = 2, WorldSeed = 9, MaxCardinality = 1000 });
        Assert.Equal(a.BaseLogit, b.BaseLogit);
        Assert.Equal(a.Token(5, 3), b.Token(5, 3));
        Assert.Equal(a.MainEffect(7, 2), b.MainEffect(7, 2));
    }

    [Fact]
    public void EveryLineHasCriteoShape()
    {
        var (data, truth, summary) = Run(new SynthOptions { Rows = 10_000, Seed = 3, MaxCardinality = 100_000 });
        var rows = Rows(data);
        var p = Truth(truth);
        Assert.Equal(10_000, rows.Length);
        Assert.Equal(10_000, p.Length);
        Assert.Equal(10_000, summary.Rows);
        Assert.DoesNotContain((byte)'\r', data);
        int[] missingInts = new int[13], missingCats = new int[26];
        foreach (var f in rows)
        {
            Assert.Equal(40, f.Length);
            Assert.True(f[0] is "0" or "1", $"label {f[0]}");
            for (int i = 1; i <= 13; i++)
            {
                if (f[i].Length == 0) { missingInts[i - 1]++; continue; }
                Assert.True(f[i].Length <= 10 && f[i].All(char.IsAsciiDigit), $"integer {f[i]}");
                Assert.True(f[i] == "0" || f[i][0] != '0', "no leading zeros");
            }
            for (int j = 14; j < 40; j++)
            {
                if (f[j].Length == 0) { missingCats[j - 14]++; continue; }
                Assert.True(f[j].Length == 8 && f[j].All(char.IsAsciiHexDigitLower), $"token {f[j]}");
            }
        }
        // Integer missing rates are 5–40%, a few categorical fields are often empty, most never.
        Assert.All(missingInts, m => Assert.InRange(m / 10_000.0, 0.03, 0.43));
        Assert.Equal(0, missingCats[0]);
        Assert.InRange(missingCats[19] / 10_000.0, 0.37, 0.43); // C20
        Assert.Equal(summary.Positives, rows.Count(f => f[0] == "1"));
        Assert.All(Encoding.UTF8.GetString(truth).TrimEnd('\n').Split('\n'),
            s => Assert.Matches(@"^[01]\.\d{6}$", s));
        Assert.All(p, v => Assert.InRange(v, 0.0, 1.0));
    }

    [Fact]
    public void BaseRateIsCalibratedAndTruthMatchesLabels()
    {
        var (data, truth, summary) = Run(new SynthOptions { Rows = 50_000, Seed = 11, MaxCardinality = 100_000 });
        var rows = Rows(data);
        double ctr = rows.Count(f => f[0] == "1") / (double)rows.Length;
        Assert.InRange(ctr, 0.22, 0.28);
        double meanTruth = Truth(truth).Average();
        Assert.InRange(meanTruth - ctr, -0.01, 0.01);
        Assert.InRange(summary.MeanTrueProbability - meanTruth, -1e-5, 1e-5);
        Assert.Equal(ctr, summary.Ctr, 12);
    }

    [Fact]
    public void ValueFrequenciesAreZipf()
    {
        var (data, _, _) = Run(new SynthOptions { Rows = 50_000, Seed = 5, MaxCardinality = 100_000 });
        var counts = Rows(data).GroupBy(f => f[14 + 17]) // C18: ~25k values, never missing
            .Select(g => g.Count()).OrderDescending().ToArray();
        Assert.True(counts.Length > 1000);
        // Zipf with s = 1.15 predicts a ratio of 100^1.15 ≈ 200 between ranks 1 and 100.
        Assert.True(counts[0] > 40 * counts[99], $"top {counts[0]}, 100th {counts[99]}");
        Assert.True(counts[9] > 5 * counts[99]);
    }

    [Fact]
    public void CardinalitiesIncreaseAcrossFields()
    {
        var world = new SynthWorld(new SynthOptions { MaxCardinality = 1_000_000 });
        Assert.Equal(10, world.Cardinality(0));
        Assert.Equal(1_000_000, world.Cardinality(25));
        for (int f = 1; f < 26; f++) Assert.True(world.Cardinality(f) > world.Cardinality(f - 1));

        var (data, _, _) = Run(new SynthOptions { Rows = 30_000, Seed = 8, MaxCardinality = 100_000 });
        var rows = Rows(data);
        int[] distinct = Enumerable.Range(0, 26)
            .Select(j => rows.Select(f => f[14 + j]).Where(s => s.Length > 0).Distinct().Count()).ToArray();
        Assert.Equal(10, distinct[0]);
        Assert.True(distinct[5] < distinct[12] && distinct[12] < distinct[18] && distinct[18] < distinct[25],
            string.Join(",", distinct));

        var capped = new SynthWorld(new SynthOptions { MaxCardinality = 500 });
        Assert.All(Enumerable.Range(0, 26), f => Assert.True(capped.Cardinality(f) <= 500));
    }

    [Fact]
    public void PlantedPairInteractionIsVisible()
    {
        var options = new SynthOptions { Rows = 100_000, Seed = 21, MaxCardinality = 10_000, InteractionStrength = 2 };
        var world = new SynthWorld(options);
        const int fa = 1, fb = 4; // C2 and C5 share an interaction group
        (int ra, int rb) best = (0, 0);
        for (int ra = 0; ra < 3; ra++)
            for (int rb = 0; rb < 3; rb++)
                if (Math.Abs(world.PairEffect(fa, ra, fb, rb)) > Math.Abs(world.PairEffect(fa, best.ra, fb, best.rb)))
                    best = (ra, rb);
        double planted = world.PairEffect(fa, best.ra, fb, best.rb);
        Assert.True(Math.Abs(planted) > 0.4, $"planted {planted}");
        Assert.Equal(0, world.PairEffect(0, 0, 1, 0)); // C1 and C2 do not interact

        var rows = Rows(Run(options).Data);
        string ta = world.Token(fa, best.ra).ToString("x8"), tb = world.Token(fb, best.rb).ToString("x8");
        static double Logit(IEnumerable<string[]> rs)
        {
            var l = rs.ToArray();
            double p = l.Count(f => f[0] == "1") / (double)l.Length;
            return Math.Log(p / (1 - p));
        }
        // Without the interaction the log-odds would be (about) additive in the two values' marginal effects.
        double all = Logit(rows);
        double a = Logit(rows.Where(f => f[14 + fa] == ta));
        double b = Logit(rows.Where(f => f[14 + fb] == tb));
        var joint = rows.Where(f => f[14 + fa] == ta && f[14 + fb] == tb).ToArray();
        Assert.True(joint.Length > 400, $"{joint.Length} rows");
        double excess = Logit(joint) - a - b + all;
        Assert.True(Math.Sign(excess) == Math.Sign(planted) && Math.Abs(excess) > 0.4 * Math.Abs(planted),
            $"planted {planted:F3}, observed excess {excess:F3}");
    }

    [Fact]
    public void FileOverloadWritesAtomicallyAndMatchesStream()
    {
        string dir = Path.Combine(Path.GetTempPath(), "deepfm-synth-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new SynthOptions { Rows = 5_000, Seed = 4, MaxCardinality = 1000 };
            string dataPath = Path.Combine(dir, "train.tsv"), truthPath = Path.Combine(dir, "truth.txt");
            var summary = CriteoSynth.Generate(options, dataPath, truthPath);
            var expected = Run(options);
            Assert.Equal(expected.Data, File.ReadAllBytes(dataPath));
            Assert.Equal(expected.Truth, File.ReadAllBytes(truthPath));
            Assert.Equal(expected.Summary.Positives, summary.Positives);
            Assert.Equal(2, Directory.GetFiles(dir).Length); // no temporary files left behind

            CriteoSynth.Generate(options with { Rows = 10 }, dataPath, null); // replaces the data file
            Assert.Equal(10, File.ReadAllLines(dataPath).Length);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SynthOptions { BaseRate = 1.5 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new SynthOptions { Rows = -1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new SynthOptions { MaxCardinality = 0 }.Validate());
        var (data, truth, summary) = Run(new SynthOptions { Rows = 0 });
        Assert.Empty(data);
        Assert.Empty(truth);
        Assert.Equal(0, summary.Rows);
    }
}
