using System.Runtime.InteropServices;

namespace DeepFM.IO;

/// <summary>
/// The identity of a file on disk (device and inode), to tell whether two paths name the same file.
/// </summary>
/// <remarks>
/// Comparing paths is not enough: two different paths reach the same file through a symbolic link (of the file or
/// of any folder above it), <c>..</c>, or a hard link (two directory entries of one inode, which no path
/// resolution can see). On Linux this asks the kernel with <c>statx(2)</c>, which follows symbolic links and
/// reports the device and inode numbers; equal (device, inode) is exactly "the same file", for symlinks and hard
/// links alike. <c>statx</c> is used rather than <c>stat</c> because its <c>struct statx</c> has one fixed layout on
/// every architecture (glibc's <c>struct stat</c> differs between them, and older glibc does not export <c>stat</c>
/// at all). Elsewhere, or when <c>statx</c> is unavailable, the fallback is the fully resolved path (symlinks
/// followed with <see cref="File.ResolveLinkTarget(string, bool)"/>), which misses hard links.
/// </remarks>
public static partial class FileIdentity
{
    private const int AtFdCwd = -100;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;
    private const int OffsetMode = 28, OffsetIno = 32, OffsetDevMajor = 136, OffsetDevMinor = 140;
    private const int SIfMt = 0xF000, SIfReg = 0x8000, SIfDir = 0x4000;
    private static bool _statxMissing;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    /// <summary>(device, inode, mode) of the file at <paramref name="path"/>, or null when it does not exist or the
    /// kernel cannot be asked.</summary>
    private static unsafe (ulong Device, ulong Inode, int Mode)? Stat(string path)
    {
        if (!OperatingSystem.IsLinux() || _statxMissing) return null;
        byte* buf = stackalloc byte[StatxSize];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxBasicStats, buf) != 0) return null;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _statxMissing = true;
            return null;
        }
        ulong dev = ((ulong)*(uint*)(buf + OffsetDevMajor) << 32) | *(uint*)(buf + OffsetDevMinor);
        return (dev, *(ulong*)(buf + OffsetIno), *(ushort*)(buf + OffsetMode));
    }

    /// <summary>What <paramref name="path"/> names (symbolic links followed).</summary>
    public static FileKind KindOf(string path)
    {
        if (Stat(path) is { } s)
            return (s.Mode & SIfMt) switch { SIfReg => FileKind.Regular, SIfDir => FileKind.Directory, _ => FileKind.Other };
        if (Directory.Exists(path)) return FileKind.Directory;
        if (!File.Exists(path)) return FileKind.Missing;
        // Without statx: devices and pipes show up as files; their attributes tell them apart on Unix.
        var attributes = File.GetAttributes(path);
        return (attributes & FileAttributes.Device) != 0 ? FileKind.Other : FileKind.Regular;
    }

    /// <summary>Whether both paths exist and name the same file (symbolic links followed, hard links detected on Linux).</summary>
    public static bool SameFile(string a, string b)
    {
        if (Stat(a) is { } sa && Stat(b) is { } sb) return sa.Device == sb.Device && sa.Inode == sb.Inode;
        if (!Path.Exists(a) || !Path.Exists(b)) return false;
        return string.Equals(Resolve(a), Resolve(b), OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }

    /// <summary>The full path with symbolic links of the file itself and of its folders followed.</summary>
    public static string Resolve(string path)
    {
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        string name = Path.GetFileName(full);
        if (dir is not null && name.Length > 0) full = Path.Combine(Resolve(dir), name);
        try
        {
            if (File.ResolveLinkTarget(full, returnFinalTarget: true) is { } target) return Path.GetFullPath(target.FullName);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return full;
    }
}
