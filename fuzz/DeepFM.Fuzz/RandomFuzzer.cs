using System.Diagnostics;

namespace DeepFM.Fuzz;

/// <summary>
/// Fuzzing without AFL++: mutates the seeds at random (byte flips, insertions, deletions, repeated spans, splices of
/// two seeds) for a given time, in process. No coverage feedback, so weaker than AFL, but it needs only the .NET SDK.
/// Inputs that escape are saved under <c>random-crashes/TARGET</c>.
/// </summary>
internal static class RandomFuzzer
{
    public static int Run(string name, Action<byte[]> target, double seconds, string seedDir)
    {
        var seeds = Directory.EnumerateFiles(Path.Combine(seedDir, name)).Select(File.ReadAllBytes).ToArray();
        if (seeds.Length == 0) throw new InvalidOperationException($"no seeds in {seedDir}/{name}");
        var rnd = new Random(Environment.ProcessId);
        var clock = Stopwatch.StartNew();
        long execs = 0, crashes = 0;
        var seen = new HashSet<string>();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            byte[] input = Mutate(seeds[rnd.Next(seeds.Length)], seeds[rnd.Next(seeds.Length)], rnd);
            execs++;
            try { target(input); }
            catch (Exception e)
            {
                crashes++;
                string key = e.GetType().Name + (e.StackTrace ?? "").Split('\n').FirstOrDefault();
                if (seen.Add(key))
                {
                    string dir = Path.Combine("random-crashes", name);
                    Directory.CreateDirectory(dir);
                    File.WriteAllBytes(Path.Combine(dir, $"crash-{seen.Count}"), input);
                    Console.WriteLine($"{name}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                }
            }
        }
        Console.WriteLine($"{name}: {execs} executions in {clock.Elapsed.TotalSeconds:F0} s, {crashes} escaped ({seen.Count} distinct)");
        return crashes == 0 ? 0 : 1;
    }

    private static byte[] Mutate(byte[] a, byte[] b, Random rnd)
    {
        var x = new List<byte>(a);
        int edits = 1 + rnd.Next(8);
        for (int e = 0; e < edits; e++)
        {
            int at = x.Count == 0 ? 0 : rnd.Next(x.Count + 1);
            switch (rnd.Next(6))
            {
                case 0: if (at < x.Count) x[at] ^= (byte)(1 << rnd.Next(8)); break;
                case 1: x.Insert(at, (byte)rnd.Next(256)); break;
                case 2: if (at < x.Count) x.RemoveRange(at, Math.Min(x.Count - at, 1 + rnd.Next(8))); break;
                case 3: if (at < x.Count) x.InsertRange(at, x.GetRange(at, Math.Min(x.Count - at, 1 + rnd.Next(32)))); break;
                case 4: if (at < x.Count) x[at] = (byte)"\t\n,;:|\"-0123456789e."[rnd.Next(20)]; break;
                default:
                    int from = rnd.Next(b.Length + 1);
                    x = [.. x.Take(at), .. b.Skip(from).Take(1 + rnd.Next(64))];
                    break;
            }
        }
        return [.. x];
    }
}
