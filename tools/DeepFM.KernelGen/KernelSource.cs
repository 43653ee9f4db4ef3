using System.Globalization;
using System.Text;

namespace DeepFM.KernelGen;

/// <summary>
/// The text of <c>src/DeepFM/Engine/GemmKernels.cs</c>: every register-blocked micro-kernel is written out from its
/// parameters (vector width, rows × columns, A panel width, packed or in-place A), so that the 25-accumulator bodies
/// are never edited by hand and all kernels keep one shape. The single-row kernel, which is generic over its column
/// count rather than unrolled, is emitted as fixed text.
/// </summary>
public static class KernelSource
{
    /// <summary>The repository path of the generated file.</summary>
    public const string TargetPath = "src/DeepFM/Engine/GemmKernels.cs";

    /// <summary>A SIMD width: its vector type, the fused multiply-add it uses, and how its kernels are described.</summary>
    private sealed record Isa(int Bits, string Fma, string Title, string? Register)
    {
        public int Lanes => Bits / 32;
        public string Vector => "Vector" + Bits.ToString(CultureInfo.InvariantCulture);
        public string Type => Vector + "<float>";
    }

    /// <summary>AVX-512 F: explicit <c>Avx512F.FusedMultiplyAdd</c> (one vfmadd231ps per accumulator).</summary>
    private static readonly Isa Avx512 = new(512, "Avx512F.FusedMultiplyAdd", "Vector512", "zmm");

    /// <summary>AVX2 + FMA3.</summary>
    private static readonly Isa Avx2 = new(256, "Fma.MultiplyAdd", "Vector256 + FMA", "ymm");

    /// <summary>Vector128 with the portable fused multiply-add (AdvSimd on Arm64, FMA3 on x64).</summary>
    private static readonly Isa V128 = new(128, "Vector128.FusedMultiplyAdd", "Vector128 fused multiply-add", null);

    /// <summary>
    /// One register-blocked kernel: <paramref name="Rows"/> × <paramref name="Cols"/> accumulators over k. A is either
    /// a packed panel <paramref name="APanel"/> values wide per k (wider than <paramref name="Rows"/> for the bottom-edge
    /// kernels that read only the first rows of a full panel) or, with <paramref name="DirectA"/>, <paramref name="Rows"/>
    /// rows of a row-major A read in place, lda apart.
    /// </summary>
    private sealed record Kernel(Isa Isa, int Rows, int Cols, int APanel, bool DirectA = false)
    {
        public int Vectors => Cols / Isa.Lanes;

        public string Name =>
            $"K{Isa.Bits}_{Rows}x{Cols}" + (DirectA ? "_directA" : APanel != Rows ? $"_a{APanel}" : "");
    }

    /// <summary>The kernels in file order. Gemm's kernel list (MicroKernel.Available) names each of them: AVX-512 5×80
    /// with its 1–4-row edge kernels and its in-place-A variant, and the AVX2 and Vector128 6×16 fallbacks.</summary>
    private static readonly Kernel[] Kernels =
    [
        new(Avx512, 5, 80, 5),
        new(Avx512, 1, 80, 5),
        new(Avx512, 2, 80, 5),
        new(Avx512, 3, 80, 5),
        new(Avx512, 4, 80, 5),
        new(Avx512, 5, 80, 5, DirectA: true),
        new(Avx2, 6, 16, 6),
        new(V128, 6, 16, 6),
    ];

    /// <summary>The whole file, with "\n" line ends.</summary>
    public static string Generate()
    {
        var w = new StringBuilder();
        w.Append(Fixed(Header));
        for (int i = 0; i < Kernels.Length; i++)
        {
            if (i > 0) w.Append('\n');
            Emit(w, Kernels[i]);
        }
        w.Append('\n');
        w.Append(Fixed(SingleRow));
        return w.ToString();
    }

    private static void Emit(StringBuilder w, Kernel k)
    {
        var isa = k.Isa;
        string type = isa.Type, vec = isa.Vector;
        int rows = k.Rows, vecs = k.Vectors;
        w.Append("    /// <summary>").Append(Summary(k)).Append("</summary>\n");
        w.Append("    [MethodImpl(MethodImplOptions.AggressiveOptimization)]\n");
        w.Append("    internal static void ").Append(k.Name).Append(k.DirectA
            ? "(float* a, nint lda, float* b, nint ldb, nint kc, float* c, nint ldc, int accumulate)\n"
            : "(float* a, float* b, nint ldb, nint kc, float* c, nint ldc, int accumulate)\n");
        w.Append("    {\n");
        if (k.DirectA)
        {
            w.Append("        float* a0 = a;\n");
            for (int i = 1; i < rows; i++) w.Append(Inv($"        float* a{i} = a{i - 1} + lda;\n"));
        }
        for (int i = 0; i < rows; i++)
        {
            w.Append("        ");
            w.AppendJoin(' ', Enumerable.Range(0, vecs).Select(j => Inv($"{type} c{i}_{j} = default;")));
            w.Append('\n');
        }
        w.Append("        for (nint p = 0; p < kc; p++)\n");
        w.Append("        {\n");
        for (int j = 0; j < vecs; j++) w.Append(Inv($"            {type} b{j} = {vec}.Load(b + {j * isa.Lanes});\n"));
        for (int i = 0; i < rows; i++)
        {
            // One broadcast of A's value per row, then one FMA per column vector.
            string x = k.DirectA ? $"x{i}" : $"a{i}";
            w.Append(k.DirectA
                ? Inv($"            {type} {x} = {vec}.Create(a{i}[p]);\n")
                : Inv($"            {type} {x} = {vec}.Create(a[{i}]);\n"));
            for (int j = 0; j < vecs; j++) w.Append(Inv($"            c{i}_{j} = {isa.Fma}(b{j}, {x}, c{i}_{j});\n"));
        }
        if (!k.DirectA) w.Append(Inv($"            a += {k.APanel};\n"));
        w.Append("            b += ldb;\n");
        w.Append("        }\n");
        w.Append("        if (accumulate != 0)\n");
        w.Append("        {\n");
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < vecs; j++) w.Append(Inv($"            c{i}_{j} += {vec}.Load({Address(isa, i, j)});\n"));
        w.Append("        }\n");
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < vecs; j++) w.Append(Inv($"        c{i}_{j}.Store({Address(isa, i, j)});\n"));
        w.Append("    }\n");
    }

    private static string Summary(Kernel k)
    {
        var isa = k.Isa;
        string rows = k.Rows == 1 ? "1 row" : Inv($"{k.Rows} rows");
        if (k.DirectA)
            return Inv($"{isa.Title} micro-kernel reading A in place ({k.Rows} rows, lda apart): {rows} × {k.Cols} columns.");
        string regs = isa.Register is null ? "" : " " + isa.Register;
        string panel = k.APanel != k.Rows ? Inv($", A panel {k.APanel} wide") : "";
        string extra = isa == V128 ? " (AdvSimd on Arm64, FMA3 on x64)" : "";
        return Inv($"{isa.Title} micro-kernel{extra}: {rows} × {k.Cols} columns ({k.Rows * k.Vectors}{regs} accumulators){panel}.");
    }

    /// <summary>Row <paramref name="i"/>, column vector <paramref name="j"/> of the C tile (row 0 without the ldc term).</summary>
    private static string Address(Isa isa, int i, int j) =>
        i == 0 ? Inv($"c + {j * isa.Lanes}") : Inv($"c + {i} * ldc + {j * isa.Lanes}");

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>Raw string literals take the line ends of this source file; the output always has "\n".</summary>
    private static string Fixed(string text) => text.ReplaceLineEndings("\n") + "\n";

    private const string Header = """
        // Register-blocked GEMM micro-kernels (one call-free loop each). A panel laid out [p][MR] (MR consecutive row
        // values per k); B rows NR wide, ldb apart (NR when packed). Every output element is a single fused multiply-add
        // chain over k starting from zero, then stored (accumulate == 0) or added to C.
        //
        // GENERATED by tools/DeepFM.KernelGen (KernelSource.cs): do not edit by hand. Change the generator, then run
        //     dotnet run --project tools/DeepFM.KernelGen -- src/DeepFM/Engine/GemmKernels.cs
        // GemmKernelsGeneratedTests fails while this file and the generator's output differ.
        using System.Runtime.CompilerServices;
        using System.Runtime.Intrinsics;
        using System.Runtime.Intrinsics.X86;

        namespace DeepFM.Engine;

        internal static unsafe class GemmKernels
        {
        """;

    /// <summary>The m = 1 kernel: generic over the number of column vectors (the JIT specialises it), so not unrolled here.</summary>
    private const string SingleRow = """
            // ---------------------------------------------------------------- one row of C, B read in place (hand-written)

            /// <summary>Number of 16-float vectors a <see cref="RowBlock{TV}"/> keeps in registers (a struct, so the JIT
            /// compiles one specialised copy per count and drops the unused accumulators).</summary>
            internal interface IVecs { static abstract int V { get; } }
            internal struct V1 : IVecs { public static int V => 1; }
            internal struct V2 : IVecs { public static int V => 2; }
            internal struct V3 : IVecs { public static int V => 3; }
            internal struct V4 : IVecs { public static int V => 4; }
            internal struct V5 : IVecs { public static int V => 5; }
            internal struct V6 : IVecs { public static int V => 6; }
            internal struct V7 : IVecs { public static int V => 7; }
            internal struct V8 : IVecs { public static int V => 8; }

            /// <summary>
            /// One row of C (<paramref name="n"/> columns) for one K block: <c>c[j] (+)= Σ_p a[p·astep] · b[p·ldb + j]</c>, with a
            /// row-major B read in place, row after row (no packing). Each element is the same fused multiply-add chain over p
            /// from zero as in the register-blocked kernels, so a single row gets the same bits as the same row in a batch.
            /// Columns go in blocks of 4–8 vectors (≥ 4 independent chains per block hide the FMA latency), the last &lt;16
            /// columns as scalar fused multiply-adds.
            /// </summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            internal static void K512_1xN(float* a, nint astep, float* b, nint ldb, nint kc, float* c, nint n, int accumulate)
            {
                nint vecs = n / 16, j = 0;
                nint blocks = (vecs + 7) / 8;
                for (nint blk = 0; blk < blocks; blk++)
                {
                    // Spread the vectors evenly over the blocks (25 → 7, 6, 6, 6) rather than leaving a short last block.
                    nint v = (vecs - j / 16) / (blocks - blk) + ((vecs - j / 16) % (blocks - blk) != 0 ? 1 : 0);
                    switch (v)
                    {
                        case 8: RowBlock<V8>(a, astep, b + j, ldb, kc, c + j, accumulate); break;
                        case 7: RowBlock<V7>(a, astep, b + j, ldb, kc, c + j, accumulate); break;
                        case 6: RowBlock<V6>(a, astep, b + j, ldb, kc, c + j, accumulate); break;
                        case 5: RowBlock<V5>(a, astep, b + j, ldb, kc, c + j, accumulate); break;
                        case 4: RowBlock<V4>(a, astep, b + j, ldb, kc, c + j, accumulate); break;
                        case 3: RowBlock<V3>(a, astep, b + j, ldb, kc, c + j, accumulate); break;
                        case 2: RowBlock<V2>(a, astep, b + j, ldb, kc, c + j, accumulate); break;
                        default: RowBlock<V1>(a, astep, b + j, ldb, kc, c + j, accumulate); break;
                    }
                    j += v * 16;
                }
                int tail = (int)(n - j);
                if (tail == 0) return;
                float* acc = stackalloc float[16];
                for (int t = 0; t < tail; t++) acc[t] = 0;
                float* ap = a, bp = b + j;
                for (nint p = 0; p < kc; p++, ap += astep, bp += ldb)
                {
                    float x = *ap;
                    for (int t = 0; t < tail; t++) acc[t] = MathF.FusedMultiplyAdd(x, bp[t], acc[t]);
                }
                for (int t = 0; t < tail; t++) c[j + t] = accumulate != 0 ? c[j + t] + acc[t] : acc[t];
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            private static void RowBlock<TV>(float* a, nint astep, float* b, nint ldb, nint kc, float* c, int accumulate) where TV : struct, IVecs
            {
                Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
                for (nint p = 0; p < kc; p++)
                {
                    Vector512<float> x = Vector512.Create(*a);
                    c0 = Avx512F.FusedMultiplyAdd(Vector512.Load(b), x, c0);
                    if (TV.V > 1) c1 = Avx512F.FusedMultiplyAdd(Vector512.Load(b + 16), x, c1);
                    if (TV.V > 2) c2 = Avx512F.FusedMultiplyAdd(Vector512.Load(b + 32), x, c2);
                    if (TV.V > 3) c3 = Avx512F.FusedMultiplyAdd(Vector512.Load(b + 48), x, c3);
                    if (TV.V > 4) c4 = Avx512F.FusedMultiplyAdd(Vector512.Load(b + 64), x, c4);
                    if (TV.V > 5) c5 = Avx512F.FusedMultiplyAdd(Vector512.Load(b + 80), x, c5);
                    if (TV.V > 6) c6 = Avx512F.FusedMultiplyAdd(Vector512.Load(b + 96), x, c6);
                    if (TV.V > 7) c7 = Avx512F.FusedMultiplyAdd(Vector512.Load(b + 112), x, c7);
                    a += astep;
                    b += ldb;
                }
                if (accumulate != 0)
                {
                    c0 += Vector512.Load(c);
                    if (TV.V > 1) c1 += Vector512.Load(c + 16);
                    if (TV.V > 2) c2 += Vector512.Load(c + 32);
                    if (TV.V > 3) c3 += Vector512.Load(c + 48);
                    if (TV.V > 4) c4 += Vector512.Load(c + 64);
                    if (TV.V > 5) c5 += Vector512.Load(c + 80);
                    if (TV.V > 6) c6 += Vector512.Load(c + 96);
                    if (TV.V > 7) c7 += Vector512.Load(c + 112);
                }
                c0.Store(c);
                if (TV.V > 1) c1.Store(c + 16);
                if (TV.V > 2) c2.Store(c + 32);
                if (TV.V > 3) c3.Store(c + 48);
                if (TV.V > 4) c4.Store(c + 64);
                if (TV.V > 5) c5.Store(c + 80);
                if (TV.V > 6) c6.Store(c + 96);
                if (TV.V > 7) c7.Store(c + 112);
            }
        }
        """;
}
