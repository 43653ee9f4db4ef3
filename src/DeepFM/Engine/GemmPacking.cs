using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepFM.Engine;

/// <summary>
/// The packers of the tiled product: they copy op(B) into NR-column panels (k-major, zero-padded to NR) and op(A)
/// into MR-row panels (<c>[p][MR]</c>, zero-padded to MR), the layouts the micro-kernels of <see cref="GemmKernels"/>
/// read with unit-stride, aligned loads.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>K rows <paramref name="p0"/>..<paramref name="p1"/> of the panel of op(B) that starts at column
    /// <paramref name="j0"/> (<paramref name="w"/> ≤ NR real columns) into <paramref name="dst"/>, NR floats per k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackBPanel(float* dst, float* b, int ldb, bool transB, int nr, int j0, int w, int p0, int p1)
    {
        if (!transB)
        {
            for (int p = p0; p < p1; p++, dst += nr)
            {
                float* src = b + (long)p * ldb + j0;
                int j = 0;
                if (Vector512.IsHardwareAccelerated)
                    for (; j <= w - 16; j += 16) Vector512.Load(src + j).Store(dst + j);
                for (; j < w; j++) dst[j] = src[j];
                for (; j < nr; j++) dst[j] = 0;
            }
        }
        else
        {
            for (int j = 0; j < nr; j++)
            {
                float* d = dst + j;
                if (j < w)
                {
                    float* src = b + (long)(j0 + j) * ldb;
                    for (int p = p0; p < p1; p++, d += nr) *d = src[p];
                }
                else
                {
                    for (int p = p0; p < p1; p++, d += nr) *d = 0;
                }
            }
        }
    }

    /// <summary>Panels pan0..pan1 of B rows p0..p0+kc (B row-major, <paramref name="n"/> columns), read row by row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackBBlock(float* dst, float* b, int ldb, int n, int nr, int pan0, int pan1, int p0, int kc)
    {
        for (int p = 0; p < kc; p++)
        {
            float* src = b + (long)(p0 + p) * ldb;
            for (int jp = pan0; jp < pan1; jp++)
            {
                int j0 = jp * nr, w = Math.Min(nr, n - j0);
                float* d = dst + ((long)(jp - pan0) * kc + p) * nr;
                float* s = src + j0;
                int j = 0;
                if (Vector512.IsHardwareAccelerated)
                    for (; j <= w - 16; j += 16) Vector512.Load(s + j).Store(d + j);
                for (; j < w; j++) d[j] = s[j];
                for (; j < nr; j++) d[j] = 0;
            }
        }
    }

    /// <summary>Rows i0..i0+rows of op(A), K rows p0..p0+kc, into MR-row panels at <paramref name="ap"/> (the last
    /// panel zero-padded). <paramref name="fast"/> (<see cref="GemmSettings.FastPackA"/>) walks full 4- and 5-row
    /// panels of a non-transposed A k-major.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(float* ap, float* a, int lda, bool transA, int mr, bool fast, int i0, int rows, int p0, int kc)
    {
        int full = rows / mr * mr;
        if (transA)
        {
            // A stored k×m: walk its rows (contiguous over i) and scatter MR-wide pieces into the panels.
            for (int p = 0; p < kc; p++)
            {
                float* src = a + (long)(p0 + p) * lda + i0;
                float* d = ap + p * mr;
                int r0 = 0;
                if (mr == 5 && Vector128.IsHardwareAccelerated)
                {
                    for (; r0 < full; r0 += 5, d += 5L * kc)
                    {
                        Vector128.Load(src + r0).Store(d);
                        d[4] = src[r0 + 4];
                    }
                }
                else if (mr == 4 && Vector128.IsHardwareAccelerated)
                {
                    for (; r0 < full; r0 += 4, d += 4L * kc) Vector128.Load(src + r0).Store(d);
                }
                for (; r0 < full; r0 += mr, d += (long)mr * kc)
                    for (int r = 0; r < mr; r++) d[r] = src[r0 + r];
                if (r0 < rows)
                    for (int r = 0; r < mr; r++) d[r] = r0 + r < rows ? src[r0 + r] : 0;
            }
            return;
        }
        for (int r0 = 0; r0 < rows; r0 += mr, ap += mr * kc)
        {
            int h = Math.Min(mr, rows - r0);
            float* s0 = a + (long)(i0 + r0) * lda + p0;
            if (h == 5 && mr == 5 && fast)
            {
                // k-major walk over five row streams: sequential stores, five loads each step.
                float* s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda;
                float* d = ap;
                for (int p = 0; p < kc; p++, d += 5)
                {
                    d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p]; d[4] = s4[p];
                }
                continue;
            }
            if (h == 4 && mr == 4 && fast)
            {
                float* s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda;
                float* d = ap;
                for (int p = 0; p < kc; p++, d += 4)
                {
                    d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p];
                }
                continue;
            }
            for (int r = 0; r < mr; r++)
            {
                float* d = ap + r;
                if (r < h)
                {
                    float* src = a + (long)(i0 + r0 + r) * lda + p0;
                    for (int p = 0; p < kc; p++, d += mr) *d = src[p];
                }
                else
                {
                    for (int p = 0; p < kc; p++, d += mr) *d = 0;
                }
            }
        }
    }
}
