namespace DeepFM.Fuzz;

/// <summary>Runs saved inputs through a target once each, outside AFL: to triage crashes and to check fixes.</summary>
internal static class Replay
{
    public static int Run(Action<byte[]> target, string[] paths)
    {
        int failed = 0, total = 0;
        foreach (string path in paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p) : [p]).Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(path) == "README.txt") continue;
            total++;
            try { target(File.ReadAllBytes(path)); }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine($"{path}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }
        Console.WriteLine($"{total} inputs, {failed} escaped");
        return failed == 0 ? 0 : 1;
    }
}
