using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepFM.Engine;

namespace DeepFM.Bench;

/// <summary>
/// <c>gemm [--threads 1|2] [--reps N] [--kernels] [--no-torch] [--only TEXT] [--kernel NAME] [--mc N] [--kc N] [--packed-b] [--cpu-time]</c>: GFLOP/s of <see cref="Gemm.Multiply"/> at the
/// DeepFM shapes against the FMA peak measured in the same run (and torch.mm when python3 + torch are installed).
/// </summary>
public static class GemmBench
{
    /// <summary>The GEMM settings the bench runs with (its options change them; the library's are immutable).</summary>
    private static GemmSettings S = GemmSettings.Default;

    private sealed record Shape(string Op, bool TransA, bool TransB, int M, int N, int K, string Use);

    private static readonly Shape[] Shapes =
    [
        new("NN", false, false, 4096, 400, 390, "fwd X·W (in 390)"),
        new("NN", false, false, 4096, 400, 400, "fwd X·W (in 400)"),
        new("NT", false, true, 4096, 390, 400, "dX = dY·Wᵀ (in 390)"),
        new("NT", false, true, 4096, 400, 400, "dX = dY·Wᵀ (in 400)"),
        new("TN", true, false, 390, 400, 4096, "dW = Xᵀ·dY (in 390)"),
        new("TN", true, false, 400, 400, 4096, "dW = Xᵀ·dY (in 400)"),
        new("NN", false, false, 64, 400, 400, "score batch 64"),
        new("NN", false, false, 8, 400, 390, "score batch 8"),
        new("NN", false, false, 1, 400, 390, "score batch 1"),
        new("NN", false, false, 4096, 1, 400, "final layer n=1"),
    ];

    public static int Run(string[] args)
    {
        int[] threads = [1, 2];
        int reps = 9;
        bool kernels = false, torch = true;
        string only = "";
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads": threads = [int.Parse(args[++i], CultureInfo.InvariantCulture)]; break;
                case "--reps": reps = Math.Max(7, int.Parse(args[++i], CultureInfo.InvariantCulture)); break;
                case "--kernels": kernels = true; break;
                case "--no-torch": torch = false; break;
                case "--mc": S = S with { McTarget = int.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--kc": S = S with { KcMax = int.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--packed-b": S = S with { DirectB = false }; break;
                case "--cpu-time": s_cpuTime = true; break;
                case "--plan":
                    foreach (var sh in Shapes)
                        foreach (int t in threads)
                            Console.WriteLine($"{Key(sh)} threads={t}: {new GemmPlan(S, sh.TransB, sh.M, sh.N, sh.K, t)}");
                    return 0;
                case "--ab": return AbTest(args[++i], args[++i], only, reps, threads[0]);
                case "--only": only = args[++i]; break;
                case "--kernel":
                    string name = args[++i];
                    S = S with { Kernel = MicroKernel.Available().First(k => k.Name.Replace(" ", "").Contains(name, StringComparison.Ordinal)) };
                    break;
                default: Console.Error.WriteLine($"gemm: unknown option {args[i]}"); return 2;
            }
        }
        Console.WriteLine($"kernel: {S.Kernel}; Vector512 accelerated: {Vector512.IsHardwareAccelerated}; cores: {Environment.ProcessorCount}");
        if (kernels) return CompareKernels(reps);

        var peak = threads.ToDictionary(t => t, t => Median(reps, () => FmaPeak(t)));
        using var torchServer = torch && !s_cpuTime ? TorchServer.TryStart() : null;   // CPU time vs wall time would not compare
        Console.WriteLine(torch && !s_cpuTime && torchServer is null ? "torch.mm: not available (python3 + torch)" : "");
        Console.WriteLine("| shape (m×k · k×n) | op | use | threads | GFLOP/s | % FMA peak | torch.mm GFLOP/s | vs torch |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var s in Shapes)
        {
            if (!Key(s).Contains(only, StringComparison.Ordinal)) continue;
            foreach (int t in threads)
            {
                var r = Measure(s, t, reps, torchServer);
                string tv = r.Torch > 0 ? $"{r.Torch:F1}" : "–";
                string ratio = r.Torch > 0 ? $"{r.OfTorch:F2}×" : "–";
                Console.WriteLine($"| {s.M}×{s.K} · {s.K}×{s.N} | {s.Op} | {s.Use} | {t} | {r.Gflops:F1} | {100 * r.OfPeak:F0}% | {tv} | {ratio} |");
            }
        }
        Console.WriteLine();
        foreach (int t in threads)
            Console.WriteLine($"FMA peak ({t} thread{(t > 1 ? "s" : "")}): {peak[t]:F1} GFLOP/s (median of {reps})");
        Console.WriteLine("% FMA peak and vs torch: medians over repetitions of the ratio to the FMA loop and to torch.mm timed right beside each repetition.");
        return 0;
    }

    /// <summary>A python3 process running <c>bench/torch_mm.py --serve</c>.</summary>
    private sealed class TorchServer : IDisposable
    {
        private readonly Process _p;
        private TorchServer(Process p) => _p = p;

        public static TorchServer? TryStart()
        {
            string script = FindScript();
            if (script.Length == 0 || !File.Exists("/usr/bin/python3")) return null;
            try
            {
                var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false };
                psi.ArgumentList.Add(script);
                psi.ArgumentList.Add("--serve");
                // OpenMP workers otherwise spin for a while after each torch.mm and steal the cores our next
                // repetition is timed on (two-thread figures dropped by a third with them spinning).
                psi.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
                var p = Process.Start(psi)!;
                if (p.StandardOutput.ReadLine() != "ready") { p.Kill(); return null; }
                return new TorchServer(p);
            }
            catch (Exception) { return null; }
        }

        public double Gflops(Shape s, int threads, int calls)
        {
            _p.StandardInput.WriteLine($"{Key(s).Replace(' ', ':')} {threads} {calls}");
            _p.StandardInput.Flush();
            return double.Parse(_p.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
        }

        public void Dispose()
        {
            try { _p.StandardInput.Close(); _p.WaitForExit(5000); } catch (Exception) { }
            _p.Dispose();
        }
    }

    private static int CompareKernels(int reps)
    {
        var saved = S.Kernel;
        double peak = Median(reps, () => FmaPeak(1));
        Console.WriteLine($"FMA peak (1 thread): {peak:F1} GFLOP/s");
        Console.WriteLine("| kernel | " + string.Join(" | ", Shapes.Take(6).Select(Key)) + " |");
        Console.WriteLine("|---|" + string.Concat(Enumerable.Repeat("---|", 6)));
        foreach (var kern in MicroKernel.Available())
        {
            if (kern.NR < 16) continue;
            S = S with { Kernel = kern };
            foreach (bool direct in new[] { true, false })
            {
                S = S with { DirectB = direct };
                var cells = Shapes.Take(6).Select(s => Measure(s, 1, reps)).Select(g => $"{g.Gflops:F1} ({100 * g.OfPeak:F0}%)");
                Console.WriteLine($"| {kern}{(direct ? " direct B" : " packed B")} | " + string.Join(" | ", cells) + " |");
            }
        }
        S = S with { DirectB = true };
        S = S with { Kernel = saved };
        return 0;
    }

    /// <summary>Alternates two settings (e.g. "mc=128" vs "mc=400,kc=256,direct=0,kernel=6x16") repetition by
    /// repetition (thread count from a --threads given before --ab), and reports the median of the paired speed ratios B/A per shape.</summary>
    private static int AbTest(string cfgA, string cfgB, string only, int reps, int threads)
    {
        var baseKernel = S.Kernel; int baseMc = S.McTarget, baseKc = S.KcMax, baseRows = S.DirectBMaxRows;
        double baseSlack = S.Slack; bool baseDirect = S.DirectB, baseBlock = S.PackBPerBlock;
        void Apply(string cfg)
        {
            S = S with { FastPackA = true }; S = S with { RowsOuterWhenSplitK = true }; S = S with { UseDirectA = true }; S = S with { SingleRow = true }; S = S with { Kernel = baseKernel }; S = S with { DirectBMaxRows = baseRows }; S = S with { Slack = baseSlack }; S = S with { McTarget = baseMc }; S = S with { KcMax = baseKc }; S = S with { DirectB = baseDirect }; S = S with { PackBPerBlock = baseBlock };
            foreach (var kv in cfg.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var f = kv.Split('=');
                switch (f[0])
                {
                    case "mc": S = S with { McTarget = int.Parse(f[1], CultureInfo.InvariantCulture) }; break;
                    case "kc": S = S with { KcMax = int.Parse(f[1], CultureInfo.InvariantCulture) }; break;
                    case "direct": S = S with { DirectB = f[1] == "1" }; break;
                    case "directrows": S = S with { DirectBMaxRows = int.Parse(f[1], CultureInfo.InvariantCulture) }; break;
                    case "blockb": S = S with { PackBPerBlock = f[1] == "1" }; break;
                    case "mclong": S = S with { McLongK = int.Parse(f[1], CultureInfo.InvariantCulture) }; break;
                    case "rowsouter": S = S with { RowsOuterWhenSplitK = f[1] == "1" }; break;
                    case "directa": S = S with { UseDirectA = f[1] == "1" }; break;
                    case "singlerow": S = S with { SingleRow = f[1] == "1" }; break;
                    case "packa": S = S with { FastPackA = f[1] == "1" }; break;
                    case "slack": S = S with { Slack = double.Parse(f[1], CultureInfo.InvariantCulture) }; break;
                    case "mcmin": S = S with { McTarget = int.Parse(f[1], CultureInfo.InvariantCulture) }; break;
                    case "kernel": S = S with { Kernel = MicroKernel.Available().First(k => k.Name.Replace(" ", "").Contains(f[1], StringComparison.Ordinal)) }; break;
                    case "base": break;
                    default: throw new ArgumentException($"unknown setting {f[0]}");
                }
            }
        }
        Console.WriteLine($"| shape | A: {cfgA} GFLOP/s | B: {cfgB} GFLOP/s | median B/A |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var s in Shapes)
        {
            if (!Key(s).Contains(only, StringComparison.Ordinal)) continue;
            var ra = new double[reps]; var rb = new double[reps]; var ratio = new double[reps];
            for (int r = 0; r < reps; r++)
            {
                Apply(cfgA); ra[r] = Measure(s, threads, 1).Gflops;
                Apply(cfgB); rb[r] = Measure(s, threads, 1).Gflops;
                ratio[r] = rb[r] / ra[r];
            }
            Array.Sort(ra); Array.Sort(rb); Array.Sort(ratio);
            Console.WriteLine($"| {Key(s)} | {ra[reps / 2]:F1} | {rb[reps / 2]:F1} | {ratio[reps / 2]:F3} |");
        }
        Apply("");
        return 0;
    }

    private static string Key(Shape s) => $"{s.Op} {s.M}x{s.N}x{s.K}";

    /// <summary>Median GFLOP/s, and medians of the ratios to the FMA peak and to torch.mm measured right beside each
    /// repetition (same thread count), so that load from other processes affects both sides of a ratio alike.</summary>
    private static (double Gflops, double OfPeak, double Torch, double OfTorch) Measure(Shape s, int threads, int reps, TorchServer? torch = null)
    {
        var rng = new Random(1);
        int lda = s.TransA ? s.M : s.K, ldb = s.TransB ? s.K : s.N;
        var a = new float[s.M * s.K];
        var b = new float[s.K * s.N];
        var c = new float[s.M * s.N];
        for (int i = 0; i < a.Length; i++) a[i] = (float)rng.NextDouble() - 0.5f;
        for (int i = 0; i < b.Length; i++) b[i] = (float)rng.NextDouble() - 0.5f;
        var context = ComputeContext.Default.WithThreads(threads).WithGemm(S);
        {
            double flops = 2.0 * s.M * s.N * s.K;
            void Once() => Gemm.Multiply(context, s.TransA, s.TransB, s.M, s.N, s.K, a, lda, b, ldb, c, s.N, false);
            Once();
            var sw = Stopwatch.StartNew();
            int calls = 0;
            while (sw.ElapsedMilliseconds < 20 || calls < 2) { Once(); calls++; }
            int per = Math.Max(1, (int)(calls * 30.0 / Math.Max(1, sw.Elapsed.TotalMilliseconds)));
            var rates = new double[reps];
            var ratios = new double[reps];
            var torchRates = new double[reps];
            var torchRatios = new double[reps];
            for (int r = 0; r < reps; r++)
            {
                double peak = FmaPeak(threads);
                var t = Now();
                for (int i = 0; i < per; i++) Once();
                double sec = Seconds(t);
                rates[r] = flops * per / sec / 1e9;
                ratios[r] = rates[r] / peak;
                if (torch is not null)
                {
                    torchRates[r] = torch.Gflops(s, threads, per);
                    torchRatios[r] = rates[r] / torchRates[r];
                    if (threads > 1) Thread.Sleep(100);   // let idle BLAS/OpenMP threads stop spinning before the next peak

                }
            }
            Array.Sort(rates); Array.Sort(ratios); Array.Sort(torchRates); Array.Sort(torchRatios);
            return (rates[reps / 2], ratios[reps / 2], torchRates[reps / 2], torchRatios[reps / 2]);
        }
    }

    /// <summary>Time single-thread runs by the thread's CPU clock (ignores time the core spent on other processes;
    /// a tuning aid on a shared machine, off by default).</summary>
    private static bool s_cpuTime;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec ts);

    private struct TimeSpec { public long Sec, Nsec; }

    private static long Now()
    {
        if (!s_cpuTime) return Stopwatch.GetTimestamp();
        ClockGetTime(3 /* CLOCK_THREAD_CPUTIME_ID */, out var ts);
        return ts.Sec * 1_000_000_000 + ts.Nsec;
    }

    private static double Seconds(long start) =>
        s_cpuTime ? (Now() - start) / 1e9 : Stopwatch.GetElapsedTime(start).TotalSeconds;

    private static double Median(int reps, Func<double> f)
    {
        var v = new double[reps];
        for (int i = 0; i < reps; i++) v[i] = f();
        Array.Sort(v);
        return v[reps / 2];
    }

    // ------------------------------------------------------------------ FMA peak

    private static double FmaPeak(int threads)
    {
        if (threads == 1 && s_cpuTime)
        {
            var t0 = Now();
            FmaLoop(1_000_000);
            return 1_000_000 * 12.0 * 2 * (Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 1) / Seconds(t0) / 1e9;
        }
        const long iters = 1_000_000;
        using var start = new Barrier(threads + 1);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() => { start.SignalAndWait(); FmaLoop(iters); });
            workers[t].Start();
        }
        start.SignalAndWait();
        var sw = Stopwatch.StartNew();
        foreach (var w in workers) w.Join();
        double sec = sw.Elapsed.TotalSeconds;
        int lanes = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 1;
        return threads * iters * 12.0 * lanes * 2 / sec / 1e9;
    }

    private static readonly float[] s_sink = new float[64];

    private static unsafe void FmaLoop(long iters)
    {
        fixed (float* sink = s_sink)
        {
            if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported) FmaLoop512(iters, sink);
            else if (Fma.IsSupported) FmaLoop256(iters, sink);
            else
            {
                float a0 = 1, a1 = 1, a2 = 1, a3 = 1;
                for (long i = 0; i < iters * 3; i++) { a0 = a0 * 0.999999f + 1e-7f; a1 = a1 * 0.999999f + 1e-7f; a2 = a2 * 0.999999f + 1e-7f; a3 = a3 * 0.999999f + 1e-7f; }
                *sink = a0 + a1 + a2 + a3;
            }
        }
    }

    /// <summary>12 independent FMA chains per iteration, all in registers (no call anywhere in the method).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static unsafe void FmaLoop512(long iters, float* sink)
    {
        var x = Vector512.Create(0.999999f); var y = Vector512.Create(1e-7f);
        Vector512<float> a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
        for (long i = 0; i < iters; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, x, y); a1 = Avx512F.FusedMultiplyAdd(a1, x, y);
            a2 = Avx512F.FusedMultiplyAdd(a2, x, y); a3 = Avx512F.FusedMultiplyAdd(a3, x, y);
            a4 = Avx512F.FusedMultiplyAdd(a4, x, y); a5 = Avx512F.FusedMultiplyAdd(a5, x, y);
            a6 = Avx512F.FusedMultiplyAdd(a6, x, y); a7 = Avx512F.FusedMultiplyAdd(a7, x, y);
            a8 = Avx512F.FusedMultiplyAdd(a8, x, y); a9 = Avx512F.FusedMultiplyAdd(a9, x, y);
            a10 = Avx512F.FusedMultiplyAdd(a10, x, y); a11 = Avx512F.FusedMultiplyAdd(a11, x, y);
        }
        (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11))).Store(sink);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static unsafe void FmaLoop256(long iters, float* sink)
    {
        var x = Vector256.Create(0.999999f); var y = Vector256.Create(1e-7f);
        Vector256<float> a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
        for (long i = 0; i < iters; i++)
        {
            a0 = Fma.MultiplyAdd(a0, x, y); a1 = Fma.MultiplyAdd(a1, x, y);
            a2 = Fma.MultiplyAdd(a2, x, y); a3 = Fma.MultiplyAdd(a3, x, y);
            a4 = Fma.MultiplyAdd(a4, x, y); a5 = Fma.MultiplyAdd(a5, x, y);
            a6 = Fma.MultiplyAdd(a6, x, y); a7 = Fma.MultiplyAdd(a7, x, y);
            a8 = Fma.MultiplyAdd(a8, x, y); a9 = Fma.MultiplyAdd(a9, x, y);
            a10 = Fma.MultiplyAdd(a10, x, y); a11 = Fma.MultiplyAdd(a11, x, y);
        }
        (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11))).Store(sink);
    }

    // ------------------------------------------------------------------ torch.mm

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string p = Path.Combine(dir.FullName, "bench", "torch_mm.py");
            if (File.Exists(p)) return p;
        }
        string cwd = Path.Combine(Directory.GetCurrentDirectory(), "bench", "torch_mm.py");
        return File.Exists(cwd) ? cwd : "";
    }
}
