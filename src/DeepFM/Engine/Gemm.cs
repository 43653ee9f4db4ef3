namespace DeepFM.Engine;

/// <summary>Single-precision matrix multiply on row-major spans.</summary>
public static class Gemm
{
    /// <summary>
    /// <c>C[m×n] = op(A)[m×k] · op(B)[k×n]</c>, or <c>C += …</c> when <paramref name="accumulate"/> is set.
    /// <c>op(A)</c> is A, stored <c>m×k</c> with row stride <paramref name="lda"/>, or Aᵀ when <paramref name="transA"/>
    /// (A stored <c>k×m</c>); likewise for B (<c>k×n</c>, or <c>n×k</c> when <paramref name="transB"/>).
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
        => MultiplyReference(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);

    /// <summary>Plain scalar reference the fast kernels are tested against.</summary>
    public static void MultiplyReference(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float s = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    s += av * bv;
                }
                c[i * ldc + j] = accumulate ? c[i * ldc + j] + s : s;
            }
        }
    }
}
