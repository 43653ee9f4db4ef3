namespace DeepFM.Engine;

/// <summary>The micro-kernel of last resort (<see cref="MicroKernel.Available"/>), hand-written: the generated
/// kernels of <see cref="GemmKernels"/> all need vector FMA.</summary>
internal static unsafe class ScalarKernel
{
    /// <summary>Portable kernel for machines without vector FMA (plain multiply-add in k order, 16 scalar accumulators).</summary>
    public static void K4x4(float* a, float* b, nint ldb, nint kc, float* c, nint ldc, int accumulate)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (nint p = 0; p < kc; p++, a += 4, b += ldb)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        }
        Store(c, accumulate, c00, c01, c02, c03);
        Store(c + ldc, accumulate, c10, c11, c12, c13);
        Store(c + 2 * ldc, accumulate, c20, c21, c22, c23);
        Store(c + 3 * ldc, accumulate, c30, c31, c32, c33);

        static void Store(float* row, int accumulate, float x0, float x1, float x2, float x3)
        {
            if (accumulate != 0) { row[0] += x0; row[1] += x1; row[2] += x2; row[3] += x3; }
            else { row[0] = x0; row[1] = x1; row[2] = x2; row[3] = x3; }
        }
    }
}
