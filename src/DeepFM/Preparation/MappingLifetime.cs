using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace DeepFM.Preparation;

/// <summary>
/// Whether a <see cref="PreparedData"/>'s mapping is still there, shared with the row sets that hold raw pointers into
/// it. Every entry point that reads the mapping calls <see cref="ThrowIfDisposed"/> once before touching a pointer (once
/// per call, never per row: gathers are hot), so use after dispose throws <see cref="ObjectDisposedException"/> instead
/// of reading unmapped memory.
/// </summary>
/// <remarks>Disposing while another thread is inside a call that has passed its check is a caller error that this
/// cannot catch (a check per element would cost the hot loop; a reader count would cost every call).</remarks>
internal sealed class MappingLifetime(string cachePath)
{
    // int, not bool, so Dispose can flip it with Interlocked (two racing Dispose calls release the view once).
    private volatile int _disposed;

    /// <summary>The cache file the mapping was made from (named in the exception).</summary>
    public string CachePath { get; } = cachePath;

    /// <summary>Marks the mapping gone; true for the one call that did so (that caller releases the view).</summary>
    public bool MarkDisposed() => Interlocked.Exchange(ref _disposed, 1) == 0;

    /// <summary>Throws <see cref="ObjectDisposedException"/> when the mapping has been released.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ThrowIfDisposed()
    {
        if (_disposed != 0) Throw();
    }

    // Out of line so the check inlines to one load and a branch.
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private void Throw() => throw new ObjectDisposedException(nameof(PreparedData),
        $"{CachePath}: the prepared data was disposed; its row sets and tags can no longer be read.");
}
