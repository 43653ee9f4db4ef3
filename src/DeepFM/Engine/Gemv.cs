using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepFM.Engine;

/// <summary>The n = 1 case of <see cref="Gemm"/>: a matrix-vector product. It is memory-bound (A is read once), so a
/// dot or axpy loop over A's rows beats packing and the register-blocked kernels.</summary>
internal static unsafe class Gemv
{
    [ThreadStatic] private static float[]? t_vec, t_acc;

    /// <summary>The single column of C = op(A) · (the single column of op(B)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(bool transA, bool transB, int m, int k, float* a, int lda, float* b, int ldb,
        float* c, int ldc, bool accumulate)
    {
        // The single column of op(B): contiguous when B is 1×k (transB) or ldb == 1.
        float* x = b;
        if (!transB && ldb != 1 && k > 1)
        {
            x = GemmBuffers.ThreadBuffer(ref t_vec, k);
            for (int p = 0; p < k; p++) x[p] = b[(nint)p * ldb];
        }
        if (!transA)
        {
            for (int i = 0; i < m; i++)
            {
                float s = Dot(a + (nint)i * lda, x, k);
                float* dst = c + (nint)i * ldc;
                *dst = accumulate ? *dst + s : s;
            }
            return;
        }
        // op(A) = Aᵀ with A stored k×m: y = Σ_p x[p] · A[p, :], summed over p in order for every element.
        float* y = GemmBuffers.ThreadBuffer(ref t_acc, m);
        new Span<float>(y, m).Clear();
        for (int p = 0; p < k; p++) Axpy(x[p], a + (nint)p * lda, y, m);
        for (int i = 0; i < m; i++)
        {
            float* dst = c + (nint)i * ldc;
            *dst = accumulate ? *dst + y[i] : y[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot(float* u, float* v, int len)
    {
        int i = 0;
        float s;
        if (Vector512.IsHardwareAccelerated && len >= 64)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= len - 64; i += 64)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(u + i), Vector512.Load(v + i), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(u + i + 16), Vector512.Load(v + i + 16), s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(u + i + 32), Vector512.Load(v + i + 32), s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(u + i + 48), Vector512.Load(v + i + 48), s3);
            }
            for (; i <= len - 16; i += 16)
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(u + i), Vector512.Load(v + i), s0);
            s = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (Vector256.IsHardwareAccelerated && len >= 32)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= len - 32; i += 32)
            {
                s0 += Vector256.Load(u + i) * Vector256.Load(v + i);
                s1 += Vector256.Load(u + i + 8) * Vector256.Load(v + i + 8);
                s2 += Vector256.Load(u + i + 16) * Vector256.Load(v + i + 16);
                s3 += Vector256.Load(u + i + 24) * Vector256.Load(v + i + 24);
            }
            s = Vector256.Sum((s0 + s1) + (s2 + s3));
        }
        else s = 0;
        for (; i < len; i++) s += u[i] * v[i];
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Axpy(float alpha, float* x, float* y, int len)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(alpha);
            for (; i <= len - 16; i += 16)
                Vector512.FusedMultiplyAdd(Vector512.Load(x + i), va, Vector512.Load(y + i)).Store(y + i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(alpha);
            for (; i <= len - 8; i += 8)
                (Vector256.Load(y + i) + Vector256.Load(x + i) * va).Store(y + i);
        }
        for (; i < len; i++) y[i] += x[i] * alpha;
    }
}
