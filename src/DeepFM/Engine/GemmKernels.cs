// Register-blocked GEMM micro-kernels (generated; one call-free loop each). A panel laid out [p][MR]
// (MR consecutive row values per k); B rows NR wide, ldb apart (NR when packed). Every output element is a single
// fused multiply-add chain over k starting from zero, then stored (accumulate == 0) or added to C.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepFM.Engine;

internal static unsafe class GemmKernels
{
    /// <summary>Vector512 micro-kernel: 5 rows × 80 columns (25 zmm accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void K512_5x80(float* a, float* b, nint ldb, nint kc, float* c, nint ldc, int accumulate)
    {
        Vector512<float> c0_0 = default; Vector512<float> c0_1 = default; Vector512<float> c0_2 = default; Vector512<float> c0_3 = default; Vector512<float> c0_4 = default;
        Vector512<float> c1_0 = default; Vector512<float> c1_1 = default; Vector512<float> c1_2 = default; Vector512<float> c1_3 = default; Vector512<float> c1_4 = default;
        Vector512<float> c2_0 = default; Vector512<float> c2_1 = default; Vector512<float> c2_2 = default; Vector512<float> c2_3 = default; Vector512<float> c2_4 = default;
        Vector512<float> c3_0 = default; Vector512<float> c3_1 = default; Vector512<float> c3_2 = default; Vector512<float> c3_3 = default; Vector512<float> c3_4 = default;
        Vector512<float> c4_0 = default; Vector512<float> c4_1 = default; Vector512<float> c4_2 = default; Vector512<float> c4_3 = default; Vector512<float> c4_4 = default;
        for (nint p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> b2 = Vector512.Load(b + 32);
            Vector512<float> b3 = Vector512.Load(b + 48);
            Vector512<float> b4 = Vector512.Load(b + 64);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(b0, a0, c0_0);
            c0_1 = Avx512F.FusedMultiplyAdd(b1, a0, c0_1);
            c0_2 = Avx512F.FusedMultiplyAdd(b2, a0, c0_2);
            c0_3 = Avx512F.FusedMultiplyAdd(b3, a0, c0_3);
            c0_4 = Avx512F.FusedMultiplyAdd(b4, a0, c0_4);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c1_0 = Avx512F.FusedMultiplyAdd(b0, a1, c1_0);
            c1_1 = Avx512F.FusedMultiplyAdd(b1, a1, c1_1);
            c1_2 = Avx512F.FusedMultiplyAdd(b2, a1, c1_2);
            c1_3 = Avx512F.FusedMultiplyAdd(b3, a1, c1_3);
            c1_4 = Avx512F.FusedMultiplyAdd(b4, a1, c1_4);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c2_0 = Avx512F.FusedMultiplyAdd(b0, a2, c2_0);
            c2_1 = Avx512F.FusedMultiplyAdd(b1, a2, c2_1);
            c2_2 = Avx512F.FusedMultiplyAdd(b2, a2, c2_2);
            c2_3 = Avx512F.FusedMultiplyAdd(b3, a2, c2_3);
            c2_4 = Avx512F.FusedMultiplyAdd(b4, a2, c2_4);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c3_0 = Avx512F.FusedMultiplyAdd(b0, a3, c3_0);
            c3_1 = Avx512F.FusedMultiplyAdd(b1, a3, c3_1);
            c3_2 = Avx512F.FusedMultiplyAdd(b2, a3, c3_2);
            c3_3 = Avx512F.FusedMultiplyAdd(b3, a3, c3_3);
            c3_4 = Avx512F.FusedMultiplyAdd(b4, a3, c3_4);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c4_0 = Avx512F.FusedMultiplyAdd(b0, a4, c4_0);
            c4_1 = Avx512F.FusedMultiplyAdd(b1, a4, c4_1);
            c4_2 = Avx512F.FusedMultiplyAdd(b2, a4, c4_2);
            c4_3 = Avx512F.FusedMultiplyAdd(b3, a4, c4_3);
            c4_4 = Avx512F.FusedMultiplyAdd(b4, a4, c4_4);
            a += 5;
            b += ldb;
        }
        if (accumulate != 0)
        {
            c0_0 += Vector512.Load(c + 0);
            c0_1 += Vector512.Load(c + 16);
            c0_2 += Vector512.Load(c + 32);
            c0_3 += Vector512.Load(c + 48);
            c0_4 += Vector512.Load(c + 64);
            c1_0 += Vector512.Load(c + 1 * ldc + 0);
            c1_1 += Vector512.Load(c + 1 * ldc + 16);
            c1_2 += Vector512.Load(c + 1 * ldc + 32);
            c1_3 += Vector512.Load(c + 1 * ldc + 48);
            c1_4 += Vector512.Load(c + 1 * ldc + 64);
            c2_0 += Vector512.Load(c + 2 * ldc + 0);
            c2_1 += Vector512.Load(c + 2 * ldc + 16);
            c2_2 += Vector512.Load(c + 2 * ldc + 32);
            c2_3 += Vector512.Load(c + 2 * ldc + 48);
            c2_4 += Vector512.Load(c + 2 * ldc + 64);
            c3_0 += Vector512.Load(c + 3 * ldc + 0);
            c3_1 += Vector512.Load(c + 3 * ldc + 16);
            c3_2 += Vector512.Load(c + 3 * ldc + 32);
            c3_3 += Vector512.Load(c + 3 * ldc + 48);
            c3_4 += Vector512.Load(c + 3 * ldc + 64);
            c4_0 += Vector512.Load(c + 4 * ldc + 0);
            c4_1 += Vector512.Load(c + 4 * ldc + 16);
            c4_2 += Vector512.Load(c + 4 * ldc + 32);
            c4_3 += Vector512.Load(c + 4 * ldc + 48);
            c4_4 += Vector512.Load(c + 4 * ldc + 64);
        }
        c0_0.Store(c + 0);
        c0_1.Store(c + 16);
        c0_2.Store(c + 32);
        c0_3.Store(c + 48);
        c0_4.Store(c + 64);
        c1_0.Store(c + 1 * ldc + 0);
        c1_1.Store(c + 1 * ldc + 16);
        c1_2.Store(c + 1 * ldc + 32);
        c1_3.Store(c + 1 * ldc + 48);
        c1_4.Store(c + 1 * ldc + 64);
        c2_0.Store(c + 2 * ldc + 0);
        c2_1.Store(c + 2 * ldc + 16);
        c2_2.Store(c + 2 * ldc + 32);
        c2_3.Store(c + 2 * ldc + 48);
        c2_4.Store(c + 2 * ldc + 64);
        c3_0.Store(c + 3 * ldc + 0);
        c3_1.Store(c + 3 * ldc + 16);
        c3_2.Store(c + 3 * ldc + 32);
        c3_3.Store(c + 3 * ldc + 48);
        c3_4.Store(c + 3 * ldc + 64);
        c4_0.Store(c + 4 * ldc + 0);
        c4_1.Store(c + 4 * ldc + 16);
        c4_2.Store(c + 4 * ldc + 32);
        c4_3.Store(c + 4 * ldc + 48);
        c4_4.Store(c + 4 * ldc + 64);
    }

    /// <summary>Vector512 micro-kernel: 4 rows × 80 columns (20 zmm accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void K512_4x80(float* a, float* b, nint ldb, nint kc, float* c, nint ldc, int accumulate)
    {
        Vector512<float> c0_0 = default; Vector512<float> c0_1 = default; Vector512<float> c0_2 = default; Vector512<float> c0_3 = default; Vector512<float> c0_4 = default;
        Vector512<float> c1_0 = default; Vector512<float> c1_1 = default; Vector512<float> c1_2 = default; Vector512<float> c1_3 = default; Vector512<float> c1_4 = default;
        Vector512<float> c2_0 = default; Vector512<float> c2_1 = default; Vector512<float> c2_2 = default; Vector512<float> c2_3 = default; Vector512<float> c2_4 = default;
        Vector512<float> c3_0 = default; Vector512<float> c3_1 = default; Vector512<float> c3_2 = default; Vector512<float> c3_3 = default; Vector512<float> c3_4 = default;
        for (nint p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> b2 = Vector512.Load(b + 32);
            Vector512<float> b3 = Vector512.Load(b + 48);
            Vector512<float> b4 = Vector512.Load(b + 64);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(b0, a0, c0_0);
            c0_1 = Avx512F.FusedMultiplyAdd(b1, a0, c0_1);
            c0_2 = Avx512F.FusedMultiplyAdd(b2, a0, c0_2);
            c0_3 = Avx512F.FusedMultiplyAdd(b3, a0, c0_3);
            c0_4 = Avx512F.FusedMultiplyAdd(b4, a0, c0_4);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c1_0 = Avx512F.FusedMultiplyAdd(b0, a1, c1_0);
            c1_1 = Avx512F.FusedMultiplyAdd(b1, a1, c1_1);
            c1_2 = Avx512F.FusedMultiplyAdd(b2, a1, c1_2);
            c1_3 = Avx512F.FusedMultiplyAdd(b3, a1, c1_3);
            c1_4 = Avx512F.FusedMultiplyAdd(b4, a1, c1_4);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c2_0 = Avx512F.FusedMultiplyAdd(b0, a2, c2_0);
            c2_1 = Avx512F.FusedMultiplyAdd(b1, a2, c2_1);
            c2_2 = Avx512F.FusedMultiplyAdd(b2, a2, c2_2);
            c2_3 = Avx512F.FusedMultiplyAdd(b3, a2, c2_3);
            c2_4 = Avx512F.FusedMultiplyAdd(b4, a2, c2_4);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c3_0 = Avx512F.FusedMultiplyAdd(b0, a3, c3_0);
            c3_1 = Avx512F.FusedMultiplyAdd(b1, a3, c3_1);
            c3_2 = Avx512F.FusedMultiplyAdd(b2, a3, c3_2);
            c3_3 = Avx512F.FusedMultiplyAdd(b3, a3, c3_3);
            c3_4 = Avx512F.FusedMultiplyAdd(b4, a3, c3_4);
            a += 4;
            b += ldb;
        }
        if (accumulate != 0)
        {
            c0_0 += Vector512.Load(c + 0);
            c0_1 += Vector512.Load(c + 16);
            c0_2 += Vector512.Load(c + 32);
            c0_3 += Vector512.Load(c + 48);
            c0_4 += Vector512.Load(c + 64);
            c1_0 += Vector512.Load(c + 1 * ldc + 0);
            c1_1 += Vector512.Load(c + 1 * ldc + 16);
            c1_2 += Vector512.Load(c + 1 * ldc + 32);
            c1_3 += Vector512.Load(c + 1 * ldc + 48);
            c1_4 += Vector512.Load(c + 1 * ldc + 64);
            c2_0 += Vector512.Load(c + 2 * ldc + 0);
            c2_1 += Vector512.Load(c + 2 * ldc + 16);
            c2_2 += Vector512.Load(c + 2 * ldc + 32);
            c2_3 += Vector512.Load(c + 2 * ldc + 48);
            c2_4 += Vector512.Load(c + 2 * ldc + 64);
            c3_0 += Vector512.Load(c + 3 * ldc + 0);
            c3_1 += Vector512.Load(c + 3 * ldc + 16);
            c3_2 += Vector512.Load(c + 3 * ldc + 32);
            c3_3 += Vector512.Load(c + 3 * ldc + 48);
            c3_4 += Vector512.Load(c + 3 * ldc + 64);
        }
        c0_0.Store(c + 0);
        c0_1.Store(c + 16);
        c0_2.Store(c + 32);
        c0_3.Store(c + 48);
        c0_4.Store(c + 64);
        c1_0.Store(c + 1 * ldc + 0);
        c1_1.Store(c + 1 * ldc + 16);
        c1_2.Store(c + 1 * ldc + 32);
        c1_3.Store(c + 1 * ldc + 48);
        c1_4.Store(c + 1 * ldc + 64);
        c2_0.Store(c + 2 * ldc + 0);
        c2_1.Store(c + 2 * ldc + 16);
        c2_2.Store(c + 2 * ldc + 32);
        c2_3.Store(c + 2 * ldc + 48);
        c2_4.Store(c + 2 * ldc + 64);
        c3_0.Store(c + 3 * ldc + 0);
        c3_1.Store(c + 3 * ldc + 16);
        c3_2.Store(c + 3 * ldc + 32);
        c3_3.Store(c + 3 * ldc + 48);
        c3_4.Store(c + 3 * ldc + 64);
    }

    /// <summary>Vector512 micro-kernel: 1 rows × 80 columns (5 zmm accumulators), A panel 5 wide.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void K512_1x80_a5(float* a, float* b, nint ldb, nint kc, float* c, nint ldc, int accumulate)
    {
        Vector512<float> c0_0 = default; Vector512<float> c0_1 = default; Vector512<float> c0_2 = default; Vector512<float> c0_3 = default; Vector512<float> c0_4 = default;
        for (nint p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> b2 = Vector512.Load(b + 32);
            Vector512<float> b3 = Vector512.Load(b + 48);
            Vector512<float> b4 = Vector512.Load(b + 64);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(b0, a0, c0_0);
            c0_1 = Avx512F.FusedMultiplyAdd(b1, a0, c0_1);
            c0_2 = Avx512F.FusedMultiplyAdd(b2, a0, c0_2);
            c0_3 = Avx512F.FusedMultiplyAdd(b3, a0, c0_3);
            c0_4 = Avx512F.FusedMultiplyAdd(b4, a0, c0_4);
            a += 5;
            b += ldb;
        }
        if (accumulate != 0)
        {
            c0_0 += Vector512.Load(c + 0);
            c0_1 += Vector512.Load(c + 16);
            c0_2 += Vector512.Load(c + 32);
            c0_3 += Vector512.Load(c + 48);
            c0_4 += Vector512.Load(c + 64);
        }
        c0_0.Store(c + 0);
        c0_1.Store(c + 16);
        c0_2.Store(c + 32);
        c0_3.Store(c + 48);
        c0_4.Store(c + 64);
    }

    /// <summary>Vector512 micro-kernel: 2 rows × 80 columns (10 zmm accumulators), A panel 5 wide.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void K512_2x80_a5(float* a, float* b, nint ldb, nint kc, float* c, nint ldc, int accumulate)
    {
        Vector512<float> c0_0 = default; Vector512<float> c0_1 = default; Vector512<float> c0_2 = default; Vector512<float> c0_3 = default; Vector512<float> c0_4 = default;
        Vector512<float> c1_0 = default; Vector512<float> c1_1 = default; Vector512<float> c1_2 = default; Vector512<float> c1_3 = default; Vector512<float> c1_4 = default;
        for (nint p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> b2 = Vector512.Load(b + 32);
            Vector512<float> b3 = Vector512.Load(b + 48);
            Vector512<float> b4 = Vector512.Load(b + 64);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(b0, a0, c0_0);
            c0_1 = Avx512F.FusedMultiplyAdd(b1, a0, c0_1);
            c0_2 = Avx512F.FusedMultiplyAdd(b2, a0, c0_2);
            c0_3 = Avx512F.FusedMultiplyAdd(b3, a0, c0_3);
            c0_4 = Avx512F.FusedMultiplyAdd(b4, a0, c0_4);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c1_0 = Avx512F.FusedMultiplyAdd(b0, a1, c1_0);
            c1_1 = Avx512F.FusedMultiplyAdd(b1, a1, c1_1);
            c1_2 = Avx512F.FusedMultiplyAdd(b2, a1, c1_2);
            c1_3 = Avx512F.FusedMultiplyAdd(b3, a1, c1_3);
            c1_4 = Avx512F.FusedMultiplyAdd(b4, a1, c1_4);
            a += 5;
            b += ldb;
        }
        if (accumulate != 0)
        {
            c0_0 += Vector512.Load(c + 0);
            c0_1 += Vector512.Load(c + 16);
            c0_2 += Vector512.Load(c + 32);
            c0_3 += Vector512.Load(c + 48);
            c0_4 += Vector512.Load(c + 64);
            c1_0 += Vector512.Load(c + 1 * ldc + 0);
            c1_1 += Vector512.Load(c + 1 * ldc + 16);
            c1_2 += Vector512.Load(c + 1 * ldc + 32);
            c1_3 += Vector512.Load(c + 1 * ldc + 48);
            c1_4 += Vector512.Load(c + 1 * ldc + 64);
        }
        c0_0.Store(c + 0);
        c0_1.Store(c + 16);
        c0_2.Store(c + 32);
        c0_3.Store(c + 48);
        c0_4.Store(c + 64);
        c1_0.Store(c + 1 * ldc + 0);
        c1_1.Store(c + 1 * ldc + 16);
        c1_2.Store(c + 1 * ldc + 32);
        c1_3.Store(c + 1 * ldc + 48);
        c1_4.Store(c + 1 * ldc + 64);
    }

    /// <summary>Vector512 micro-kernel: 3 rows × 80 columns (15 zmm accumulators), A panel 5 wide.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void K512_3x80_a5(float* a, float* b, nint ldb, nint kc, float* c, nint ldc, int accumulate)
    {
        Vector512<float> c0_0 = default; Vector512<float> c0_1 = default; Vector512<float> c0_2 = default; Vector512<float> c0_3 = default; Vector512<float> c0_4 = default;
        Vector512<float> c1_0 = default; Vector512<float> c1_1 = default; Vector512<float> c1_2 = default; Vector512<float> c1_3 = default; Vector512<float> c1_4 = default;
        Vector512<float> c2_0 = default; Vector512<float> c2_1 = default; Vector512<float> c2_2 = default; Vector512<float> c2_3 = default; Vector512<float> c2_4 = default;
        for (nint p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> b2 = Vector512.Load(b + 32);
            Vector512<float> b3 = Vector512.Load(b + 48);
            Vector512<float> b4 = Vector512.Load(b + 64);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(b0, a0, c0_0);
            c0_1 = Avx512F.FusedMultiplyAdd(b1, a0, c0_1);
            c0_2 = Avx512F.FusedMultiplyAdd(b2, a0, c0_2);
            c0_3 = Avx512F.FusedMultiplyAdd(b3, a0, c0_3);
            c0_4 = Avx512F.FusedMultiplyAdd(b4, a0, c0_4);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c1_0 = Avx512F.FusedMultiplyAdd(b0, a1, c1_0);
            c1_1 = Avx512F.FusedMultiplyAdd(b1, a1, c1_1);
            c1_2 = Avx512F.FusedMultiplyAdd(b2, a1, c1_2);
            c1_3 = Avx512F.FusedMultiplyAdd(b3, a1, c1_3);
            c1_4 = Avx512F.FusedMultiplyAdd(b4, a1, c1_4);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c2_0 = Avx512F.FusedMultiplyAdd(b0, a2, c2_0);
            c2_1 = Avx512F.FusedMultiplyAdd(b1, a2, c2_1);
            c2_2 = Avx512F.FusedMultiplyAdd(b2, a2, c2_2);
            c2_3 = Avx512F.FusedMultiplyAdd(b3, a2, c2_3);
            c2_4 = Avx512F.FusedMultiplyAdd(b4, a2, c2_4);
            a += 5;
            b += ldb;
        }
        if (accumulate != 0)
        {
            c0_0 += Vector512.Load(c + 0);
            c0_1 += Vector512.Load(c + 16);
            c0_2 += Vector512.Load(c + 32);
            c0_3 += Vector512.Load(c + 48);
            c0_4 += Vector512.Load(c + 64);
            c1_0 += Vector512.Load(c + 1 * ldc + 0);
            c1_1 += Vector512.Load(c + 1 * ldc + 16);
            c1_2 += Vector512.Load(c + 1 * ldc + 32);
            c1_3 += Vector512.Load(c + 1 * ldc + 48);
            c1_4 += Vector512.Load(c + 1 * ldc + 64);
            c2_0 += Vector512.Load(c + 2 * ldc + 0);
            c2_1 += Vector512.Load(c + 2 * ldc + 16);
            c2_2 += Vector512.Load(c + 2 * ldc + 32);
            c2_3 += Vector512.Load(c + 2 * ldc + 48);
            c2_4 += Vector512.Load(c + 2 * ldc + 64);
        }
        c0_0.Store(c + 0);
        c0_1.Store(c + 16);
        c0_2.Store(c + 32);
        c0_3.Store(c + 48);
        c0_4.Store(c + 64);
        c1_0.Store(c + 1 * ldc + 0);
        c1_1.Store(c + 1 * ldc + 16);
        c1_2.Store(c + 1 * ldc + 32);
        c1_3.Store(c + 1 * ldc + 48);
        c1_4.Store(c + 1 * ldc + 64);
        c2_0.Store(c + 2 * ldc + 0);
        c2_1.Store(c + 2 * ldc + 16);
        c2_2.Store(c + 2 * ldc + 32);
        c2_3.Store(c + 2 * ldc + 48);
        c2_4.Store(c + 2 * ldc + 64);
    }

    /// <summary>Vector512 micro-kernel: 4 rows × 80 columns (20 zmm accumulators), A panel 5 wide.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void K512_4x80_a5(float* a, float* b, nint ldb, nint kc, float* c, nint ldc, int accumulate)
    {
        Vector512<float> c0_0 = default; Vector512<float> c0_1 = default; Vector512<float> c0_2 = default; Vector512<float> c0_3 = default; Vector512<float> c0_4 = default;
        Vector512<float> c1_0 = default; Vector512<float> c1_1 = default; Vector512<float> c1_2 = default; Vector512<float> c1_3 = default; Vector512<float> c1_4 = default;
        Vector512<float> c2_0 = default; Vector512<float> c2_1 = default; Vector512<float> c2_2 = default; Vector512<float> c2_3 = default; Vector512<float> c2_4 = default;
        Vector512<float> c3_0 = default; Vector512<float> c3_1 = default; Vector512<float> c3_2 = default; Vector512<float> c3_3 = default; Vector512<float> c3_4 = default;
        for (nint p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> b2 = Vector512.Load(b + 32);
            Vector512<float> b3 = Vector512.Load(b + 48);
            Vector512<float> b4 = Vector512.Load(b + 64);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(b0, a0, c0_0);
            c0_1 = Avx512F.FusedMultiplyAdd(b1, a0, c0_1);
            c0_2 = Avx512F.FusedMultiplyAdd(b2, a0, c0_2);
            c0_3 = Avx512F.FusedMultiplyAdd(b3, a0, c0_3);
            c0_4 = Avx512F.FusedMultiplyAdd(b4, a0, c0_4);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c1_0 = Avx512F.FusedMultiplyAdd(b0, a1, c1_0);
            c1_1 = Avx512F.FusedMultiplyAdd(b1, a1, c1_1);
            c1_2 = Avx512F.FusedMultiplyAdd(b2, a1, c1_2);
            c1_3 = Avx512F.FusedMultiplyAdd(b3, a1, c1_3);
            c1_4 = Avx512F.FusedMultiplyAdd(b4, a1, c1_4);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c2_0 = Avx512F.FusedMultiplyAdd(b0, a2, c2_0);
            c2_1 = Avx512F.FusedMultiplyAdd(b1, a2, c2_1);
            c2_2 = Avx512F.FusedMultiplyAdd(b2, a2, c2_2);
            c2_3 = Avx512F.FusedMultiplyAdd(b3, a2, c2_3);
            c2_4 = Avx512F.FusedMultiplyAdd(b4, a2, c2_4);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c3_0 = Avx512F.FusedMultiplyAdd(b0, a3, c3_0);
            c3_1 = Avx512F.FusedMultiplyAdd(b1, a3, c3_1);
            c3_2 = Avx512F.FusedMultiplyAdd(b2, a3, c3_2);
            c3_3 = Avx512F.FusedMultiplyAdd(b3, a3, c3_3);
            c3_4 = Avx512F.FusedMultiplyAdd(b4, a3, c3_4);
            a += 5;
            b += ldb;
        }
        if (accumulate != 0)
        {
            c0_0 += Vector512.Load(c + 0);
            c0_1 += Vector512.Load(c + 16);
            c0_2 += Vector512.Load(c + 32);
            c0_3 += Vector512.Load(c + 48);
            c0_4 += Vector512.Load(c + 64);
            c1_0 += Vector512.Load(c + 1 * ldc + 0);
            c1_1 += Vector512.Load(c + 1 * ldc + 16);
            c1_2 += Vector512.Load(c + 1 * ldc + 32);
            c1_3 += Vector512.Load(c + 1 * ldc + 48);
            c1_4 += Vector512.Load(c + 1 * ldc + 64);
            c2_0 += Vector512.Load(c + 2 * ldc + 0);
            c2_1 += Vector512.Load(c + 2 * ldc + 16);
            c2_2 += Vector512.Load(c + 2 * ldc + 32);
            c2_3 += Vector512.Load(c + 2 * ldc + 48);
            c2_4 += Vector512.Load(c + 2 * ldc + 64);
            c3_0 += Vector512.Load(c + 3 * ldc + 0);
            c3_1 += Vector512.Load(c + 3 * ldc + 16);
            c3_2 += Vector512.Load(c + 3 * ldc + 32);
            c3_3 += Vector512.Load(c + 3 * ldc + 48);
            c3_4 += Vector512.Load(c + 3 * ldc + 64);
        }
        c0_0.Store(c + 0);
        c0_1.Store(c + 16);
        c0_2.Store(c + 32);
        c0_3.Store(c + 48);
        c0_4.Store(c + 64);
        c1_0.Store(c + 1 * ldc + 0);
        c1_1.Store(c + 1 * ldc + 16);
        c1_2.Store(c + 1 * ldc + 32);
        c1_3.Store(c + 1 * ldc + 48);
        c1_4.Store(c + 1 * ldc + 64);
        c2_0.Store(c + 2 * ldc + 0);
        c2_1.Store(c + 2 * ldc + 16);
        c2_2.Store(c + 2 * ldc + 32);
        c2_3.Store(c + 2 * ldc + 48);
        c2_4.Store(c + 2 * ldc + 64);
        c3_0.Store(c + 3 * ldc + 0);
        c3_1.Store(c + 3 * ldc + 16);
        c3_2.Store(c + 3 * ldc + 32);
        c3_3.Store(c + 3 * ldc + 48);
        c3_4.Store(c + 3 * ldc + 64);
    }

    /// <summary>Vector512 micro-kernel: 8 rows × 48 columns (24 zmm accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void K512_8x48(float* a, float* b, nint ldb, nint kc, float* c, nint ldc, int accumulate)
    {
        Vector512<float> c0_0 = default; Vector512<float> c0_1 = default; Vector512<float> c0_2 = default;
        Vector512<float> c1_0 = default; Vector512<float> c1_1 = default; Vector512<float> c1_2 = default;
        Vector512<float> c2_0 = default; Vector512<float> c2_1 = default; Vector512<float> c2_2 = default;
        Vector512<float> c3_0 = default; Vector512<float> c3_1 = default; Vector512<float> c3_2 = default;
        Vector512<float> c4_0 = default; Vector512<float> c4_1 = default; Vector512<float> c4_2 = default;
        Vector512<float> c5_0 = default; Vector512<float> c5_1 = default; Vector512<float> c5_2 = default;
        Vector512<float> c6_0 = default; Vector512<float> c6_1 = default; Vector512<float> c6_2 = default;
        Vector512<float> c7_0 = default; Vector512<float> c7_1 = default; Vector512<float> c7_2 = default;
        for (nint p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> b2 = Vector512.Load(b + 32);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(b0, a0, c0_0);
            c0_1 = Avx512F.FusedMultiplyAdd(b1, a0, c0_1);
            c0_2 = Avx512F.FusedMultiplyAdd(b2, a0, c0_2);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c1_0 = Avx512F.FusedMultiplyAdd(b0, a1, c1_0);
            c1_1 = Avx512F.FusedMultiplyAdd(b1, a1, c1_1);
            c1_2 = Avx512F.FusedMultiplyAdd(b2, a1, c1_2);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c2_0 = Avx512F.FusedMultiplyAdd(b0, a2, c2_0);
            c2_1 = Avx512F.FusedMultiplyAdd(b1, a2, c2_1);
            c2_2 = Avx512F.FusedMultiplyAdd(b2, a2, c2_2);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c3_0 = Avx512F.FusedMultiplyAdd(b0, a3, c3_0);
            c3_1 = Avx512F.FusedMultiplyAdd(b1, a3, c3_1);
            c3_2 = Avx512F.FusedMultiplyAdd(b2, a3, c3_2);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c4_0 = Avx512F.FusedMultiplyAdd(b0, a4, c4_0);
            c4_1 = Avx512F.FusedMultiplyAdd(b1, a4, c4_1);
            c4_2 = Avx512F.FusedMultiplyAdd(b2, a4, c4_2);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c5_0 = Avx512F.FusedMultiplyAdd(b0, a5, c5_0);
            c5_1 = Avx512F.FusedMultiplyAdd(b1, a5, c5_1);
            c5_2 = Avx512F.FusedMultiplyAdd(b2, a5, c5_2);
            Vector512<float> a6 = Vector512.Create(a[6]);
            c6_0 = Avx512F.FusedMultiplyAdd(b0, a6, c6_0);
            c6_1 = Avx512F.FusedMultiplyAdd(b1, a6, c6_1);
            c6_2 = Avx512F.FusedMultiplyAdd(b2, a6, c6_2);
            Vector512<float> a7 = Vector512.Create(a[7]);
            c7_0 = Avx512F.FusedMultiplyAdd(b0, a7, c7_0);
            c7_1 = Avx512F.FusedMultiplyAdd(b1, a7, c7_1);
            c7_2 = Avx512F.FusedMultiplyAdd(b2, a7, c7_2);
            a += 8;
            b += ldb;
        }
        if (accumulate != 0)
        {
            c0_0 += Vector512.Load(c + 0);
            c0_1 += Vector512.Load(c + 16);
            c0_2 += Vector512.Load(c + 32);
            c1_0 += Vector512.Load(c + 1 * ldc + 0);
            c1_1 += Vector512.Load(c + 1 * ldc + 16);
            c1_2 += Vector512.Load(c + 1 * ldc + 32);
            c2_0 += Vector512.Load(c + 2 * ldc + 0);
            c2_1 += Vector512.Load(c + 2 * ldc + 16);
            c2_2 += Vector512.Load(c + 2 * ldc + 32);
            c3_0 += Vector512.Load(c + 3 * ldc + 0);
            c3_1 += Vector512.Load(c + 3 * ldc + 16);
            c3_2 += Vector512.Load(c + 3 * ldc + 32);
            c4_0 += Vector512.Load(c + 4 * ldc + 0);
            c4_1 += Vector512.Load(c + 4 * ldc + 16);
            c4_2 += Vector512.Load(c + 4 * ldc + 32);
            c5_0 += Vector512.Load(c + 5 * ldc + 0);
            c5_1 += Vector512.Load(c + 5 * ldc + 16);
            c5_2 += Vector512.Load(c + 5 * ldc + 32);
            c6_0 += Vector512.Load(c + 6 * ldc + 0);
            c6_1 += Vector512.Load(c + 6 * ldc + 16);
            c6_2 += Vector512.Load(c + 6 * ldc + 32);
            c7_0 += Vector512.Load(c + 7 * ldc + 0);
            c7_1 += Vector512.Load(c + 7 * ldc + 16);
            c7_2 += Vector512.Load(c + 7 * ldc + 32);
        }
        c0_0.Store(c + 0);
        c0_1.Store(c + 16);
        c0_2.Store(c + 32);
        c1_0.Store(c + 1 * ldc + 0);
        c1_1.Store(c + 1 * ldc + 16);
        c1_2.Store(c + 1 * ldc + 32);
        c2_0.Store(c + 2 * ldc + 0);
        c2_1.Store(c + 2 * ldc + 16);
        c2_2.Store(c + 2 * ldc + 32);
        c3_0.Store(c + 3 * ldc + 0);
        c3_1.Store(c + 3 * ldc + 16);
        c3_2.Store(c + 3 * ldc + 32);
        c4_0.Store(c + 4 * ldc + 0);
        c4_1.Store(c + 4 * ldc + 16);
        c4_2.Store(c + 4 * ldc + 32);
        c5_0.Store(c + 5 * ldc + 0);
        c5_1.Store(c + 5 * ldc + 16);
        c5_2.Store(c + 5 * ldc + 32);
        c6_0.Store(c + 6 * ldc + 0);
        c6_1.Store(c + 6 * ldc + 16);
        c6_2.Store(c + 6 * ldc + 32);
        c7_0.Store(c + 7 * ldc + 0);
        c7_1.Store(c + 7 * ldc + 16);
        c7_2.Store(c + 7 * ldc + 32);
    }

    /// <summary>Vector512 micro-kernel reading A in place (5 rows, lda apart): 5 rows × 80 columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void K512_5x80_directA(float* a, nint lda, float* b, nint ldb, nint kc, float* c, nint ldc, int accumulate)
    {
        float* a0 = a;
        float* a1 = a0 + lda;
        float* a2 = a1 + lda;
        float* a3 = a2 + lda;
        float* a4 = a3 + lda;
        Vector512<float> c0_0 = default; Vector512<float> c0_1 = default; Vector512<float> c0_2 = default; Vector512<float> c0_3 = default; Vector512<float> c0_4 = default;
        Vector512<float> c1_0 = default; Vector512<float> c1_1 = default; Vector512<float> c1_2 = default; Vector512<float> c1_3 = default; Vector512<float> c1_4 = default;
        Vector512<float> c2_0 = default; Vector512<float> c2_1 = default; Vector512<float> c2_2 = default; Vector512<float> c2_3 = default; Vector512<float> c2_4 = default;
        Vector512<float> c3_0 = default; Vector512<float> c3_1 = default; Vector512<float> c3_2 = default; Vector512<float> c3_3 = default; Vector512<float> c3_4 = default;
        Vector512<float> c4_0 = default; Vector512<float> c4_1 = default; Vector512<float> c4_2 = default; Vector512<float> c4_3 = default; Vector512<float> c4_4 = default;
        for (nint p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> b2 = Vector512.Load(b + 32);
            Vector512<float> b3 = Vector512.Load(b + 48);
            Vector512<float> b4 = Vector512.Load(b + 64);
            Vector512<float> x0 = Vector512.Create(a0[p]);
            c0_0 = Avx512F.FusedMultiplyAdd(b0, x0, c0_0);
            c0_1 = Avx512F.FusedMultiplyAdd(b1, x0, c0_1);
            c0_2 = Avx512F.FusedMultiplyAdd(b2, x0, c0_2);
            c0_3 = Avx512F.FusedMultiplyAdd(b3, x0, c0_3);
            c0_4 = Avx512F.FusedMultiplyAdd(b4, x0, c0_4);
            Vector512<float> x1 = Vector512.Create(a1[p]);
            c1_0 = Avx512F.FusedMultiplyAdd(b0, x1, c1_0);
            c1_1 = Avx512F.FusedMultiplyAdd(b1, x1, c1_1);
            c1_2 = Avx512F.FusedMultiplyAdd(b2, x1, c1_2);
            c1_3 = Avx512F.FusedMultiplyAdd(b3, x1, c1_3);
            c1_4 = Avx512F.FusedMultiplyAdd(b4, x1, c1_4);
            Vector512<float> x2 = Vector512.Create(a2[p]);
            c2_0 = Avx512F.FusedMultiplyAdd(b0, x2, c2_0);
            c2_1 = Avx512F.FusedMultiplyAdd(b1, x2, c2_1);
            c2_2 = Avx512F.FusedMultiplyAdd(b2, x2, c2_2);
            c2_3 = Avx512F.FusedMultiplyAdd(b3, x2, c2_3);
            c2_4 = Avx512F.FusedMultiplyAdd(b4, x2, c2_4);
            Vector512<float> x3 = Vector512.Create(a3[p]);
            c3_0 = Avx512F.FusedMultiplyAdd(b0, x3, c3_0);
            c3_1 = Avx512F.FusedMultiplyAdd(b1, x3, c3_1);
            c3_2 = Avx512F.FusedMultiplyAdd(b2, x3, c3_2);
            c3_3 = Avx512F.FusedMultiplyAdd(b3, x3, c3_3);
            c3_4 = Avx512F.FusedMultiplyAdd(b4, x3, c3_4);
            Vector512<float> x4 = Vector512.Create(a4[p]);
            c4_0 = Avx512F.FusedMultiplyAdd(b0, x4, c4_0);
            c4_1 = Avx512F.FusedMultiplyAdd(b1, x4, c4_1);
            c4_2 = Avx512F.FusedMultiplyAdd(b2, x4, c4_2);
            c4_3 = Avx512F.FusedMultiplyAdd(b3, x4, c4_3);
            c4_4 = Avx512F.FusedMultiplyAdd(b4, x4, c4_4);
            b += ldb;
        }
        if (accumulate != 0)
        {
            c0_0 += Vector512.Load(c + 0);
            c0_1 += Vector512.Load(c + 16);
            c0_2 += Vector512.Load(c + 32);
            c0_3 += Vector512.Load(c + 48);
            c0_4 += Vector512.Load(c + 64);
            c1_0 += Vector512.Load(c + 1 * ldc + 0);
            c1_1 += Vector512.Load(c + 1 * ldc + 16);
            c1_2 += Vector512.Load(c + 1 * ldc + 32);
            c1_3 += Vector512.Load(c + 1 * ldc + 48);
            c1_4 += Vector512.Load(c + 1 * ldc + 64);
            c2_0 += Vector512.Load(c + 2 * ldc + 0);
            c2_1 += Vector512.Load(c + 2 * ldc + 16);
            c2_2 += Vector512.Load(c + 2 * ldc + 32);
            c2_3 += Vector512.Load(c + 2 * ldc + 48);
            c2_4 += Vector512.Load(c + 2 * ldc + 64);
            c3_0 += Vector512.Load(c + 3 * ldc + 0);
            c3_1 += Vector512.Load(c + 3 * ldc + 16);
            c3_2 += Vector512.Load(c + 3 * ldc + 32);
            c3_3 += Vector512.Load(c + 3 * ldc + 48);
            c3_4 += Vector512.Load(c + 3 * ldc + 64);
            c4_0 += Vector512.Load(c + 4 * ldc + 0);
            c4_1 += Vector512.Load(c + 4 * ldc + 16);
            c4_2 += Vector512.Load(c + 4 * ldc + 32);
            c4_3 += Vector512.Load(c + 4 * ldc + 48);
            c4_4 += Vector512.Load(c + 4 * ldc + 64);
        }
        c0_0.Store(c + 0);
        c0_1.Store(c + 16);
        c0_2.Store(c + 32);
        c0_3.Store(c + 48);
        c0_4.Store(c + 64);
        c1_0.Store(c + 1 * ldc + 0);
        c1_1.Store(c + 1 * ldc + 16);
        c1_2.Store(c + 1 * ldc + 32);
        c1_3.Store(c + 1 * ldc + 48);
        c1_4.Store(c + 1 * ldc + 64);
        c2_0.Store(c + 2 * ldc + 0);
        c2_1.Store(c + 2 * ldc + 16);
        c2_2.Store(c + 2 * ldc + 32);
        c2_3.Store(c + 2 * ldc + 48);
        c2_4.Store(c + 2 * ldc + 64);
        c3_0.Store(c + 3 * ldc + 0);
        c3_1.Store(c + 3 * ldc + 16);
        c3_2.Store(c + 3 * ldc + 32);
        c3_3.Store(c + 3 * ldc + 48);
        c3_4.Store(c + 3 * ldc + 64);
        c4_0.Store(c + 4 * ldc + 0);
        c4_1.Store(c + 4 * ldc + 16);
        c4_2.Store(c + 4 * ldc + 32);
        c4_3.Store(c + 4 * ldc + 48);
        c4_4.Store(c + 4 * ldc + 64);
    }

    /// <summary>Vector256 + FMA micro-kernel: 6 rows × 16 columns (12 ymm accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void K256_6x16(float* a, float* b, nint ldb, nint kc, float* c, nint ldc, int accumulate)
    {
        Vector256<float> c0_0 = default; Vector256<float> c0_1 = default;
        Vector256<float> c1_0 = default; Vector256<float> c1_1 = default;
        Vector256<float> c2_0 = default; Vector256<float> c2_1 = default;
        Vector256<float> c3_0 = default; Vector256<float> c3_1 = default;
        Vector256<float> c4_0 = default; Vector256<float> c4_1 = default;
        Vector256<float> c5_0 = default; Vector256<float> c5_1 = default;
        for (nint p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> a0 = Vector256.Create(a[0]);
            c0_0 = Fma.MultiplyAdd(b0, a0, c0_0);
            c0_1 = Fma.MultiplyAdd(b1, a0, c0_1);
            Vector256<float> a1 = Vector256.Create(a[1]);
            c1_0 = Fma.MultiplyAdd(b0, a1, c1_0);
            c1_1 = Fma.MultiplyAdd(b1, a1, c1_1);
            Vector256<float> a2 = Vector256.Create(a[2]);
            c2_0 = Fma.MultiplyAdd(b0, a2, c2_0);
            c2_1 = Fma.MultiplyAdd(b1, a2, c2_1);
            Vector256<float> a3 = Vector256.Create(a[3]);
            c3_0 = Fma.MultiplyAdd(b0, a3, c3_0);
            c3_1 = Fma.MultiplyAdd(b1, a3, c3_1);
            Vector256<float> a4 = Vector256.Create(a[4]);
            c4_0 = Fma.MultiplyAdd(b0, a4, c4_0);
            c4_1 = Fma.MultiplyAdd(b1, a4, c4_1);
            Vector256<float> a5 = Vector256.Create(a[5]);
            c5_0 = Fma.MultiplyAdd(b0, a5, c5_0);
            c5_1 = Fma.MultiplyAdd(b1, a5, c5_1);
            a += 6;
            b += ldb;
        }
        if (accumulate != 0)
        {
            c0_0 += Vector256.Load(c + 0);
            c0_1 += Vector256.Load(c + 8);
            c1_0 += Vector256.Load(c + 1 * ldc + 0);
            c1_1 += Vector256.Load(c + 1 * ldc + 8);
            c2_0 += Vector256.Load(c + 2 * ldc + 0);
            c2_1 += Vector256.Load(c + 2 * ldc + 8);
            c3_0 += Vector256.Load(c + 3 * ldc + 0);
            c3_1 += Vector256.Load(c + 3 * ldc + 8);
            c4_0 += Vector256.Load(c + 4 * ldc + 0);
            c4_1 += Vector256.Load(c + 4 * ldc + 8);
            c5_0 += Vector256.Load(c + 5 * ldc + 0);
            c5_1 += Vector256.Load(c + 5 * ldc + 8);
        }
        c0_0.Store(c + 0);
        c0_1.Store(c + 8);
        c1_0.Store(c + 1 * ldc + 0);
        c1_1.Store(c + 1 * ldc + 8);
        c2_0.Store(c + 2 * ldc + 0);
        c2_1.Store(c + 2 * ldc + 8);
        c3_0.Store(c + 3 * ldc + 0);
        c3_1.Store(c + 3 * ldc + 8);
        c4_0.Store(c + 4 * ldc + 0);
        c4_1.Store(c + 4 * ldc + 8);
        c5_0.Store(c + 5 * ldc + 0);
        c5_1.Store(c + 5 * ldc + 8);
    }

    /// <summary>Vector128 fused multiply-add micro-kernel (AdvSimd on Arm64, FMA3 on x64): 6 rows × 16 columns (24 accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void K128_6x16(float* a, float* b, nint ldb, nint kc, float* c, nint ldc, int accumulate)
    {
        Vector128<float> c0_0 = default; Vector128<float> c0_1 = default; Vector128<float> c0_2 = default; Vector128<float> c0_3 = default;
        Vector128<float> c1_0 = default; Vector128<float> c1_1 = default; Vector128<float> c1_2 = default; Vector128<float> c1_3 = default;
        Vector128<float> c2_0 = default; Vector128<float> c2_1 = default; Vector128<float> c2_2 = default; Vector128<float> c2_3 = default;
        Vector128<float> c3_0 = default; Vector128<float> c3_1 = default; Vector128<float> c3_2 = default; Vector128<float> c3_3 = default;
        Vector128<float> c4_0 = default; Vector128<float> c4_1 = default; Vector128<float> c4_2 = default; Vector128<float> c4_3 = default;
        Vector128<float> c5_0 = default; Vector128<float> c5_1 = default; Vector128<float> c5_2 = default; Vector128<float> c5_3 = default;
        for (nint p = 0; p < kc; p++)
        {
            Vector128<float> b0 = Vector128.Load(b + 0);
            Vector128<float> b1 = Vector128.Load(b + 4);
            Vector128<float> b2 = Vector128.Load(b + 8);
            Vector128<float> b3 = Vector128.Load(b + 12);
            Vector128<float> a0 = Vector128.Create(a[0]);
            c0_0 = Vector128.FusedMultiplyAdd(b0, a0, c0_0);
            c0_1 = Vector128.FusedMultiplyAdd(b1, a0, c0_1);
            c0_2 = Vector128.FusedMultiplyAdd(b2, a0, c0_2);
            c0_3 = Vector128.FusedMultiplyAdd(b3, a0, c0_3);
            Vector128<float> a1 = Vector128.Create(a[1]);
            c1_0 = Vector128.FusedMultiplyAdd(b0, a1, c1_0);
            c1_1 = Vector128.FusedMultiplyAdd(b1, a1, c1_1);
            c1_2 = Vector128.FusedMultiplyAdd(b2, a1, c1_2);
            c1_3 = Vector128.FusedMultiplyAdd(b3, a1, c1_3);
            Vector128<float> a2 = Vector128.Create(a[2]);
            c2_0 = Vector128.FusedMultiplyAdd(b0, a2, c2_0);
            c2_1 = Vector128.FusedMultiplyAdd(b1, a2, c2_1);
            c2_2 = Vector128.FusedMultiplyAdd(b2, a2, c2_2);
            c2_3 = Vector128.FusedMultiplyAdd(b3, a2, c2_3);
            Vector128<float> a3 = Vector128.Create(a[3]);
            c3_0 = Vector128.FusedMultiplyAdd(b0, a3, c3_0);
            c3_1 = Vector128.FusedMultiplyAdd(b1, a3, c3_1);
            c3_2 = Vector128.FusedMultiplyAdd(b2, a3, c3_2);
            c3_3 = Vector128.FusedMultiplyAdd(b3, a3, c3_3);
            Vector128<float> a4 = Vector128.Create(a[4]);
            c4_0 = Vector128.FusedMultiplyAdd(b0, a4, c4_0);
            c4_1 = Vector128.FusedMultiplyAdd(b1, a4, c4_1);
            c4_2 = Vector128.FusedMultiplyAdd(b2, a4, c4_2);
            c4_3 = Vector128.FusedMultiplyAdd(b3, a4, c4_3);
            Vector128<float> a5 = Vector128.Create(a[5]);
            c5_0 = Vector128.FusedMultiplyAdd(b0, a5, c5_0);
            c5_1 = Vector128.FusedMultiplyAdd(b1, a5, c5_1);
            c5_2 = Vector128.FusedMultiplyAdd(b2, a5, c5_2);
            c5_3 = Vector128.FusedMultiplyAdd(b3, a5, c5_3);
            a += 6;
            b += ldb;
        }
        if (accumulate != 0)
        {
            c0_0 += Vector128.Load(c + 0);
            c0_1 += Vector128.Load(c + 4);
            c0_2 += Vector128.Load(c + 8);
            c0_3 += Vector128.Load(c + 12);
            c1_0 += Vector128.Load(c + 1 * ldc + 0);
            c1_1 += Vector128.Load(c + 1 * ldc + 4);
            c1_2 += Vector128.Load(c + 1 * ldc + 8);
            c1_3 += Vector128.Load(c + 1 * ldc + 12);
            c2_0 += Vector128.Load(c + 2 * ldc + 0);
            c2_1 += Vector128.Load(c + 2 * ldc + 4);
            c2_2 += Vector128.Load(c + 2 * ldc + 8);
            c2_3 += Vector128.Load(c + 2 * ldc + 12);
            c3_0 += Vector128.Load(c + 3 * ldc + 0);
            c3_1 += Vector128.Load(c + 3 * ldc + 4);
            c3_2 += Vector128.Load(c + 3 * ldc + 8);
            c3_3 += Vector128.Load(c + 3 * ldc + 12);
            c4_0 += Vector128.Load(c + 4 * ldc + 0);
            c4_1 += Vector128.Load(c + 4 * ldc + 4);
            c4_2 += Vector128.Load(c + 4 * ldc + 8);
            c4_3 += Vector128.Load(c + 4 * ldc + 12);
            c5_0 += Vector128.Load(c + 5 * ldc + 0);
            c5_1 += Vector128.Load(c + 5 * ldc + 4);
            c5_2 += Vector128.Load(c + 5 * ldc + 8);
            c5_3 += Vector128.Load(c + 5 * ldc + 12);
        }
        c0_0.Store(c + 0);
        c0_1.Store(c + 4);
        c0_2.Store(c + 8);
        c0_3.Store(c + 12);
        c1_0.Store(c + 1 * ldc + 0);
        c1_1.Store(c + 1 * ldc + 4);
        c1_2.Store(c + 1 * ldc + 8);
        c1_3.Store(c + 1 * ldc + 12);
        c2_0.Store(c + 2 * ldc + 0);
        c2_1.Store(c + 2 * ldc + 4);
        c2_2.Store(c + 2 * ldc + 8);
        c2_3.Store(c + 2 * ldc + 12);
        c3_0.Store(c + 3 * ldc + 0);
        c3_1.Store(c + 3 * ldc + 4);
        c3_2.Store(c + 3 * ldc + 8);
        c3_3.Store(c + 3 * ldc + 12);
        c4_0.Store(c + 4 * ldc + 0);
        c4_1.Store(c + 4 * ldc + 4);
        c4_2.Store(c + 4 * ldc + 8);
        c4_3.Store(c + 4 * ldc + 12);
        c5_0.Store(c + 5 * ldc + 0);
        c5_1.Store(c + 5 * ldc + 4);
        c5_2.Store(c + 5 * ldc + 8);
        c5_3.Store(c + 5 * ldc + 12);
    }

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
