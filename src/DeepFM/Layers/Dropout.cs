using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// Inverted dropout: in training each unit is zeroed with probability <see cref="Rate"/> and survivors are scaled by
/// <c>1/(1−rate)</c>; in evaluation it is the identity. <see cref="Rate"/> is the DROP rate; the paper's "dropout" is
/// the KEEP probability (paper 0.5 keep = rate 0.5 here; paper 0.9 = rate 0.1).
/// </summary>
/// <remarks>
/// The mask is counter-based: each forward pass draws one 64-bit key from the layer's stream, and element <c>i</c>
/// keeps its unit when the 16-bit number <c>u = bits [16·(i mod 4), 16·(i mod 4) + 16) of Mix(key, i / 4)</c> is at
/// least <c>round(rate · 65536)</c> (see <see cref="KeepsUnit"/>). The drop probability is thus the rate rounded to a
/// multiple of 1/65536, every element depends only on the key and its index (so any thread split gives the same
/// mask), and the same seed gives the same masks.
/// </remarks>
public sealed class Dropout : Layer
{
    private readonly Matrix _output = new();
    private readonly Matrix _gradInput = new();
    private float[] _mask = [];
    private readonly Rng _rng;
    private readonly MaskJob _job = new();
    private readonly MultiplyJob _backJob = new();
    private bool _masked;

    /// <summary>Creates the layer with its own deterministic random stream.</summary>
    public Dropout(float rate, Rng rng)
    {
        if (rate is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(rate), "Dropout rate must be in [0, 1).");
        Rate = rate;
        _rng = rng;
    }

    /// <summary>Probability of dropping a unit.</summary>
    public float Rate { get; }

    /// <summary>Drop threshold on the 16-bit numbers: <c>round(rate · 65536)</c>.</summary>
    internal ushort Threshold => (ushort)Math.Min(65535, (int)MathF.Round(Rate * 65536f));

    /// <inheritdoc />
    public override Matrix Forward(Matrix input)
    {
        _masked = IsTraining && Rate > 0;
        if (!_masked) return input;
        int n = input.Rows * input.Cols;
        if (_mask.Length < n) _mask = new float[(n + 15) & ~15];
        _output.Reshape(input.Rows, input.Cols);
        _job.Set(_rng.NextUInt64(), Threshold, 1f / (1f - Rate), input.Buffer, _output.Buffer, _mask, n);
        ParallelRanges.For((n + 15) / 16, 4096, _job);
        return _output;
    }

    /// <summary>Dropout is the identity in evaluation mode, so it adds no node.</summary>
    public override string ToOnnx(Export.OnnxGraph graph, string input) => input;

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput)
    {
        if (!_masked) return gradOutput;
        _gradInput.Reshape(gradOutput.Rows, gradOutput.Cols);
        int n = gradOutput.Rows * gradOutput.Cols;
        _backJob.Set(gradOutput.Buffer, _mask, _gradInput.Buffer);
        ParallelRanges.For(n, Activation.ParallelMinElements, _backJob);
        return _gradInput;
    }

    /// <summary>SplitMix64's output function on the counter <c>key + (word + 1)·γ</c>: the random word of elements
    /// <c>4·word … 4·word + 3</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Mix(ulong key, long word)
    {
        ulong z = key + (ulong)(word + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The plain definition of the mask: whether element <paramref name="index"/> survives.</summary>
    internal static bool KeepsUnit(ulong key, ushort threshold, long index) =>
        (ushort)(Mix(key, index >> 2) >> (int)(16 * (index & 3))) >= threshold;

    /// <summary><c>dx = dy · mask</c> over a range of elements.</summary>
    private sealed class MultiplyJob : RangeJob
    {
        private float[] _dy = [], _mask = [], _dx = [];

        public void Set(float[] dy, float[] mask, float[] dx) => (_dy, _mask, _dx) = (dy, mask, dx);

        public override void Run(int start, int end) =>
            TensorPrimitives.Multiply(_dy.AsSpan(start, end - start), _mask.AsSpan(start, end - start), _dx.AsSpan(start, end - start));
    }

    /// <summary>Writes mask and output for blocks of 16 elements <c>[start, end)</c>.</summary>
    private sealed class MaskJob : RangeJob
    {
        private ulong _key;
        private ushort _threshold;
        private float _scale;
        private float[] _x = [], _y = [], _mask = [];
        private int _n;

        public void Set(ulong key, ushort threshold, float scale, float[] x, float[] y, float[] mask, int n)
        {
            (_key, _threshold, _scale, _x, _y, _mask, _n) = (key, threshold, scale, x, y, mask, n);
        }

        public override void Run(int start, int end)
        {
            int i0 = start * 16, i1 = Math.Min(end * 16, _n);
            var mask = _mask.AsSpan();
            int i = i0;
            if (Vector512.IsHardwareAccelerated && Avx512DQ.IsSupported)
            {
                // Eight words (32 elements) per step: SplitMix64 on 64-bit lanes (vpmullq), read back as 16-bit lanes.
                var thr = Vector512.Create(_threshold);
                var scale = Vector512.Create(_scale).AsInt32();
                var key = Vector512.Create(_key);
                var gamma = Vector512.Create(0x9E3779B97F4A7C15UL);
                var m1 = Vector512.Create(0xBF58476D1CE4E5B9UL);
                var m2 = Vector512.Create(0x94D049BB133111EBUL);
                var lanes = Vector512.Create(1UL, 2, 3, 4, 5, 6, 7, 8);
                ref float m = ref MemoryMarshal.GetArrayDataReference(_mask);
                for (; i + 32 <= i1; i += 32)
                {
                    var z = key + (Vector512.Create((ulong)(i >> 2)) + lanes) * gamma;
                    z = (z ^ Vector512.ShiftRightLogical(z, 30)) * m1;
                    z = (z ^ Vector512.ShiftRightLogical(z, 27)) * m2;
                    z ^= Vector512.ShiftRightLogical(z, 31);
                    var keep = Vector512.GreaterThanOrEqual(z.AsUInt16(), thr).AsInt16();
                    var (lo, hi) = Vector512.Widen(keep);
                    (lo & scale).AsSingle().StoreUnsafe(ref m, (nuint)i);
                    (hi & scale).AsSingle().StoreUnsafe(ref m, (nuint)(i + 16));
                }
            }
            if (Vector256.IsHardwareAccelerated)
            {
                var thr = Vector256.Create(_threshold);
                var scale = Vector256.Create(_scale).AsInt32();
                ref float m = ref MemoryMarshal.GetArrayDataReference(_mask);
                for (; i + 16 <= i1; i += 16)
                {
                    long w = i >> 2;
                    var bits = Vector256.Create(Mix(_key, w), Mix(_key, w + 1), Mix(_key, w + 2), Mix(_key, w + 3)).AsUInt16();
                    var keep = Vector256.GreaterThanOrEqual(bits, thr).AsInt16();
                    var (lo, hi) = Vector256.Widen(keep);   // 0 or −1 per element, elements i … i+7 and i+8 … i+15
                    (lo & scale).AsSingle().StoreUnsafe(ref m, (nuint)i);
                    (hi & scale).AsSingle().StoreUnsafe(ref m, (nuint)(i + 8));
                }
            }
            for (; i < i1; i++) mask[i] = KeepsUnit(_key, _threshold, i) ? _scale : 0f;
            TensorPrimitives.Multiply(_x.AsSpan(i0, i1 - i0), mask.Slice(i0, i1 - i0), _y.AsSpan(i0, i1 - i0));
        }
    }
}
