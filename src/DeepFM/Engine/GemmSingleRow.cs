namespace DeepFM.Engine;

/// <summary>The m = 1 case of <see cref="Gemm"/> with a row-major B on one thread (single-row scoring, X·W): one row
/// of op(A) times B read in place through <see cref="GemmKernels.K512_1xN"/>, with no tiling and nothing packed per call.</summary>
internal static unsafe class GemmSingleRow
{
    /// <summary>One row of C = a row of op(A) (<paramref name="astep"/> apart per k) times a row-major B read in place:
    /// no packing of B (which at one row would cost as much as the product), K in the same blocks as the tiled path,
    /// so the row gets the same bits as it would in a batch.</summary>
    public static void Multiply(int kcLimit, int k, int n, float* a, int astep, float* b, int ldb, float* c, bool accumulate)
    {
        int nkb = (k + kcLimit - 1) / kcLimit, kcMax = (k + nkb - 1) / nkb;
        for (int kb = 0; kb < nkb; kb++)
        {
            int p0 = kb * kcMax, kc = Math.Min(kcMax, k - p0);
            GemmKernels.K512_1xN(a + (nint)p0 * astep, astep, b + (nint)p0 * ldb, ldb, kc, c, n, kb > 0 || accumulate ? 1 : 0);
        }
    }
}
