using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DeepFM.Engine;

/// <summary>The GEMM's scratch memory: each buffer is a <c>[ThreadStatic]</c> array of its user, pinned (so a pointer
/// into it stays valid without <c>fixed</c>) and grown only, so steady-state calls allocate nothing.</summary>
internal static unsafe class GemmBuffers
{
    /// <summary>A 64-byte-aligned pointer into a pinned, grow-only per-thread array of at least <paramref name="len"/> floats.</summary>
    public static float* ThreadBuffer(ref float[]? buffer, long len)
    {
        if (buffer is null || buffer.LongLength < len + 16)
        {
            long size = Math.Max(len + 16, buffer is null ? 0 : Math.Min(buffer.LongLength * 3 / 2, int.MaxValue));
            buffer = GC.AllocateUninitializedArray<float>(checked((int)size), pinned: true);
        }
        nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((p + 63) & ~(nint)63);
    }
}
