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
/// The mask is counter-based: a pass of training step <c>t</c> uses the key <c>Mix(seed, t)</c> (the seed is drawn
/// from the layer's stream when it is built), and element <c>i</c> of the step's global batch (<see
/// cref="Workspace.RowOffset"/> rows before this batch's first) keeps its unit when the 16-bit number
/// <c>u = bits [16·(i mod 4), 16·(i mod 4) + 16) of Mix(key, i / 4)</c> is at least <c>round(rate · 65536)</c> (see
/// <see cref="KeepsUnit"/>). The drop probability is thus the rate rounded to a multiple of 1/65536; every element
/// depends only on the seed, the step and its index, so any thread split, any split of a step's batch over processes,
/// and a run resumed at step <c>t</c> give the masks of one uninterrupted run. The layer holds no per-call state.
/// </remarks>
public sealed class Dropout : Layer
{
    /// <summary>Creates the layer, drawing its mask seed from <paramref name="rng"/>.</summary>
    public Dropout(float rate, Rng rng)
    {
        if (rate is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(rate), "Dropout rate must be in [0, 1).");
        Rate = rate;
        Seed = rng.NextUInt64();
    }

    /// <summary>Probability of dropping a unit.</summary>
    public float Rate { get; }

    /// <summary>The seed every step's mask key is derived from.</summary>
    public ulong Seed { get; }

    /// <summary>The key of the masks of training step <paramref name="step"/>.</summary>
    internal ulong StepKey(long step) => Mix(Seed, step);

    /// <summary>Drop threshold on the 16-bit numbers: <c>round(rate · 65536)</c>.</summary>
    internal ushort Threshold => (ushort)Math.Min(65535, (int)MathF.Round(Rate * 65536f));

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        var state = ws.State<State>(this);
        state.Masked = ws.IsTraining && Rate > 0;
        if (!state.Masked) return input;
        int n = input.Rows * input.Cols;
        if (state.Mask.Length < n) state.Mask = new float[(n + 15) & ~15];
        state.Output.Reshape(input.Rows, input.Cols);
        state.MaskJob.Set(StepKey(ws.Step), ws.RowOffset * input.Cols, Threshold, 1f / (1f - Rate), input.Buffer, state.Output.Buffer, state.Mask, n);
        ws.Compute.For((n + 15) / 16, 4096, state.MaskJob);
        return state.Output;
    }

    /// <summary>What one workspace keeps: the scaled mask of the last pass (backward multiplies by it).</summary>
    private sealed class State
    {
        public bool Masked;
        public float[] Mask = [];
        public readonly Matrix Output = new();
        public readonly Matrix GradInput = new();
        public readonly MaskJob MaskJob = new();
        public readonly MultiplyJob BackJob = new();
    }

    /// <summary>Dropout is the identity in evaluation mode, so it adds no node.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input) => input;

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        if (!state.Masked) return gradOutput;
        state.GradInput.Reshape(gradOutput.Rows, gradOutput.Cols);
        int n = gradOutput.Rows * gradOutput.Cols;
        state.BackJob.Set(gradOutput.Buffer, state.Mask, state.GradInput.Buffer);
        ws.Compute.For(n, Activation.ParallelMinElements, state.BackJob);
        return state.GradInput;
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
        private long _base;
        private ushort _threshold;
        private float _scale;
        private float[] _x = [], _y = [], _mask = [];
        private int _n;

        /// <summary><paramref name="baseIndex"/>: the global index of local element 0.</summary>
        public void Set(ulong key, long baseIndex, ushort threshold, float scale, float[] x, float[] y, float[] mask, int n)
        {
            (_key, _base, _threshold, _scale, _x, _y, _mask, _n) = (key, baseIndex, threshold, scale, x, y, mask, n);
        }

        public override void Run(int start, int end)
        {
            int i0 = start * 16, i1 = Math.Min(end * 16, _n);
            var mask = _mask.AsSpan();
            int i = i0;
            // The vector paths take whole words of four elements, so they need the global index to start a word.
            bool wordAligned = (_base & 3) == 0;
            if (wordAligned && Vector512.IsHardwareAccelerated && Avx512DQ.IsSupported)
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
                    var z = key + (Vector512.Create((ulong)((_base + i) >> 2)) + lanes) * gamma;
                    z = (z ^ Vector512.ShiftRightLogical(z, 30)) * m1;
                    z = (z ^ Vector512.ShiftRightLogical(z, 27)) * m2;
                    z ^= Vector512.ShiftRightLogical(z, 31);
                    var keep = Vector512.GreaterThanOrEqual(z.AsUInt16(), thr).AsInt16();
                    var (lo, hi) = Vector512.Widen(keep);
                    (lo & scale).AsSingle().StoreUnsafe(ref m, (nuint)i);
                    (hi & scale).AsSingle().StoreUnsafe(ref m, (nuint)(i + 16));
                }
            }
            if (wordAligned && Vector256.IsHardwareAccelerated)
            {
                var thr = Vector256.Create(_threshold);
                var scale = Vector256.Create(_scale).AsInt32();
                ref float m = ref MemoryMarshal.GetArrayDataReference(_mask);
                for (; i + 16 <= i1; i += 16)
                {
                    long w = (_base + i) >> 2;
                    var bits = Vector256.Create(Mix(_key, w), Mix(_key, w + 1), Mix(_key, w + 2), Mix(_key, w + 3)).AsUInt16();
                    var keep = Vector256.GreaterThanOrEqual(bits, thr).AsInt16();
                    var (lo, hi) = Vector256.Widen(keep);   // 0 or −1 per element, elements i … i+7 and i+8 … i+15
                    (lo & scale).AsSingle().StoreUnsafe(ref m, (nuint)i);
                    (hi & scale).AsSingle().StoreUnsafe(ref m, (nuint)(i + 8));
                }
            }
            for (; i < i1; i++) mask[i] = KeepsUnit(_key, _threshold, _base + i) ? _scale : 0f;
            TensorPrimitives.Multiply(_x.AsSpan(i0, i1 - i0), mask.Slice(i0, i1 - i0), _y.AsSpan(i0, i1 - i0));
        }
    }
}
