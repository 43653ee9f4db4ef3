using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace DeepFM.Synthetic;

/// <summary>
/// Deterministic CSV rows with a planted multi-valued field and a known true click probability: columns
/// <c>label,user,item,tags</c>, where <c>tags</c> is a bag of 1–6 distinct tags joined by <c>|</c> in random order.
/// </summary>
/// <remarks>
/// Users (500, Zipf 1.0), items (500, Zipf 1.1) and tags (60, Zipf 0.8) have effects a_u, b_i ~ N(0, 0.3²) and
/// w_t ~ N(0, 0.8²), users and tags 2-dimensional latent vectors p_u, q_t ~ N(0, I); with T the row's bag,
/// logit = b₀ + a_u + b_i + mean_{t∈T} w_t + 0.9·⟨p_u, mean_{t∈T} q_t⟩, label ~ Bernoulli(σ(logit)), b₀ = −1.1. So the
/// bag carries signal of its own and through its interaction with the user, which a model sees only by pooling the
/// whole bag (the mean is exactly what mean pooling and an FM represent); its first value alone is one random tag.
/// Row i's randomness comes from its own SplitMix64 stream seeded by (seed, i); the world from <c>worldSeed</c>.
/// Written to a temporary file beside each path and renamed into place.
/// </remarks>
public static class BagSynth
{
    private const int Users = 500, Items = 500, Tags = 60, Dim = 2, MaxBag = 6;
    private const double BaseLogit = -1.1, InteractionScale = 0.9;

    /// <summary>Writes <paramref name="rows"/> rows to <paramref name="dataPath"/> (and each row's true probability,
    /// one per line, to <paramref name="truthPath"/> when given).</summary>
    public static SynthSummary Generate(long rows, ulong seed, ulong worldSeed, string dataPath, string? truthPath)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        var clock = Stopwatch.StartNew();
        var rng = new SplitMix64(SplitMix64.Hash(worldSeed, 0xBA65));
        double[] a = Draw(ref rng, Users, 0.3), b = Draw(ref rng, Items, 0.3), w = Draw(ref rng, Tags, 0.8);
        double[] p = Draw(ref rng, Users * Dim, 1), q = Draw(ref rng, Tags * Dim, 1);
        var users = new AliasTable(Zipf(Users, 1.0));
        var items = new AliasTable(Zipf(Items, 1.1));
        var tags = new AliasTable(Zipf(Tags, 0.8));

        string dataTmp = DeepFM.IO.TempFiles.NewPath(Path.GetFullPath(dataPath));
        string? truthTmp = truthPath is null ? null : DeepFM.IO.TempFiles.NewPath(Path.GetFullPath(truthPath));
        long positives = 0;
        double sumP = 0;
        try
        {
            using (var data = new StreamWriter(dataTmp, false, new UTF8Encoding(false), 1 << 16))
            using (var truth = truthTmp is null ? null : new StreamWriter(truthTmp, false, new UTF8Encoding(false), 1 << 16))
            {
                data.NewLine = "\n";
                if (truth is not null) truth.NewLine = "\n";
                data.WriteLine("label,user,item,tags");
                Span<int> bag = stackalloc int[MaxBag];
                var sb = new StringBuilder(64);
                for (long i = 0; i < rows; i++)
                {
                    var r = new SplitMix64(SplitMix64.Hash(seed, 0xBA66, (ulong)i));
                    int u = users.Sample(r.Next()), it = items.Sample(r.Next());
                    int n = 1 + (int)(r.Next() % MaxBag);
                    int k = 0;
                    for (int tries = 0; k < n && tries < 100; tries++)
                    {
                        int t = tags.Sample(r.Next());
                        if (!bag[..k].Contains(t)) bag[k++] = t;
                    }
                    double meanW = 0, q0 = 0, q1 = 0;
                    for (int j = 0; j < k; j++) { meanW += w[bag[j]]; q0 += q[bag[j] * Dim]; q1 += q[bag[j] * Dim + 1]; }
                    meanW /= k; q0 /= k; q1 /= k;
                    double logit = BaseLogit + a[u] + b[it] + meanW + InteractionScale * (p[u * Dim] * q0 + p[u * Dim + 1] * q1);
                    double prob = 1 / (1 + Math.Exp(-logit));
                    int label = r.NextDouble() < prob ? 1 : 0;
                    positives += label;
                    sumP += prob;
                    sb.Clear();
                    sb.Append(label).Append(",u").Append(u).Append(",i").Append(it).Append(',');
                    for (int j = 0; j < k; j++) sb.Append(j == 0 ? "t" : "|t").Append(bag[j]);
                    data.WriteLine(sb);
                    truth?.WriteLine(prob.ToString("0.000000", CultureInfo.InvariantCulture));
                }
                data.Flush();
                data.BaseStream.Flush();
                (data.BaseStream as FileStream)?.Flush(flushToDisk: true);
                truth?.Flush();
                (truth?.BaseStream as FileStream)?.Flush(flushToDisk: true);
            }
            File.Move(dataTmp, dataPath, overwrite: true);
            if (truthTmp is not null) File.Move(truthTmp, truthPath!, overwrite: true);
        }
        finally
        {
            try { File.Delete(dataTmp); } catch (IOException) { }
            if (truthTmp is not null) try { File.Delete(truthTmp); } catch (IOException) { }
        }
        return new SynthSummary(rows, positives, rows == 0 ? 0 : sumP / rows, BaseLogit, clock.Elapsed);
    }

    private static double[] Draw(ref SplitMix64 rng, int n, double sd)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = sd * rng.NextGaussian();
        return x;
    }

    private static double[] Zipf(int n, double s)
    {
        var x = new double[n];
        for (int r = 0; r < n; r++) x[r] = Math.Pow(r + 1, -s);
        return x;
    }
}
