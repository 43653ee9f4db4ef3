using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace DeepFM.Engine;

/// <summary>A micro-kernel and its register tile; <see cref="Rows"/>[h] (optional) computes only the first h rows.</summary>
internal readonly unsafe struct MicroKernel(int mr, int nr, delegate*<float*, float*, nint, nint, float*, nint, int, void> fn, string name,
    delegate*<float*, float*, nint, nint, float*, nint, int, void>[]? rows = null,
    delegate*<float*, nint, float*, nint, nint, float*, nint, int, void> directA = null)
{
    /// <summary>Optional MR×NR kernel that reads MR rows of a row-major A in place (no packing).</summary>
    public readonly delegate*<float*, nint, float*, nint, nint, float*, nint, int, void> DirectA = directA;
    public readonly int MR = mr, NR = nr;
    public readonly delegate*<float*, float*, nint, nint, float*, nint, int, void> Fn = fn;
    public readonly delegate*<float*, float*, nint, nint, float*, nint, int, void>[]? Rows = rows;
    public readonly string Name = name;
    public override string ToString() => Name;

    /// <summary>The micro-kernels usable on this machine, best first (<see cref="GemmSettings.Kernel"/> defaults to
    /// the first): one per instruction set, each the fastest measured for it.</summary>
    public static MicroKernel[] Available()
    {
        var list = new List<MicroKernel>();
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
            list.Add(new(5, 80, &GemmKernels.K512_5x80, "avx512 5x80",
                [null, &GemmKernels.K512_1x80_a5, &GemmKernels.K512_2x80_a5, &GemmKernels.K512_3x80_a5, &GemmKernels.K512_4x80_a5],
                &GemmKernels.K512_5x80_directA));
        if (Avx2.IsSupported && Fma.IsSupported)
            list.Add(new(6, 16, &GemmKernels.K256_6x16, "avx2+fma 6x16"));
        if (Vector128.IsHardwareAccelerated && (AdvSimd.IsSupported || Fma.IsSupported))
            list.Add(new(6, 16, &GemmKernels.K128_6x16, "vector128 fma 6x16"));
        list.Add(new(4, 4, &ScalarKernel.K4x4, "scalar 4x4"));
        return [.. list];
    }
}
