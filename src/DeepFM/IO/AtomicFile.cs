namespace DeepFM.IO;

/// <summary>Writes a file so that its path only ever holds a complete one: to a temporary name beside it (stale ones of
/// dead writers removed first), flushed to disk, then renamed over the path; on failure the temporary is deleted.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> with <paramref name="write"/>, atomically.</summary>
    public static void Write(string path, Action<FileStream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        // A write killed before its move left {path}.tmp-{pid}-…; those of dead writers go now (a live one's stay).
        TempFiles.RemoveStale(path);
        string tmp = TempFiles.NewPath(path);
        try
        {
            using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { }
            throw;
        }
    }
}
