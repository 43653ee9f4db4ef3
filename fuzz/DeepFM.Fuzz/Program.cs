using SharpFuzz;

namespace DeepFM.Fuzz;

/// <summary>
/// <c>DeepFM.Fuzz TARGET</c>: one AFL++ target (run under afl-fuzz, see fuzz/run.sh). <c>DeepFM.Fuzz seeds DIR</c>:
/// writes the seed corpora. <c>DeepFM.Fuzz replay TARGET PATH…</c>: runs inputs (files or folders, e.g. AFL's
/// crashes) once each outside AFL and prints what escaped. <c>DeepFM.Fuzz random TARGET SECONDS SEEDDIR</c>: a
/// mutational fuzzer without coverage feedback, for machines without AFL++.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["seeds", var dir])
        {
            Seeds.Write(dir);
            return 0;
        }
        if (args is ["replay", var name, ..] && Targets.All.TryGetValue(name, out var replayed)) return Replay.Run(replayed, args[2..]);
        if (args is ["random", var rname, var seconds, var seedDir] && Targets.All.TryGetValue(rname, out var random))
            return RandomFuzzer.Run(rname, random, double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture), seedDir);
        if (args is [var target] && Targets.All.TryGetValue(target, out var run))
        {
            Fuzzer.OutOfProcess.Run(stream =>
            {
                var ms = new MemoryStream();
                stream.CopyTo(ms);
                run(ms.ToArray());
            });
            return 0;
        }
        Console.Error.WriteLine($"usage: DeepFM.Fuzz TARGET | seeds DIR | replay TARGET PATH... | random TARGET SECONDS SEEDDIR\ntargets: {string.Join(' ', Targets.All.Keys)}");
        return 2;
    }
}
