using System.Runtime.InteropServices;

namespace DeepFM.Preparation;

/// <summary>
/// Temporary file of pass 1's rows, written and read back sequentially (so memory does not grow with the data). Per
/// chunk: the row count, labels, tags, one width byte per field, each field's slots as a column of 1-, 2- or 4-byte
/// integers (the narrowest that holds its largest slot; padded to 4 bytes), then the spilled values. Narrow columns
/// keep the file at about 40% of the size of 4-byte slots on Criteo data (writing pages costs). Deleted on dispose.
/// </summary>
internal sealed class SlotSpill : IDisposable
{
    private readonly string _path;
    private readonly FileStream _fs;
    private byte[] _packed = [];
    private byte[] _widths = [];

    public SlotSpill(string path)
    {
        _path = path;
        // Large sequential writes go straight to the file; DeleteOnClose also covers a crash-free exit that skips Dispose.
        _fs = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1,
            FileOptions.DeleteOnClose | FileOptions.SequentialScan);
    }

    private static int ColumnBytes(int n, int width) => (n * width + 3) & ~3;

    /// <summary>Appends the first <paramref name="n"/> rows of <paramref name="c"/>.</summary>
    public void Write(SpillChunk c, int n)
    {
        int m = c.Slots.Length / DataPipeline.ChunkRows, k = c.Values.Length / DataPipeline.ChunkRows;
        if (_widths.Length != m) { _widths = new byte[m]; _packed = new byte[DataPipeline.ChunkRows * m * 4]; }
        int at = 0;
        for (int f = 0; f < m; f++)
        {
            int max = 0;
            for (int i = f, end = n * m; i < end; i += m) max = Math.Max(max, c.Slots[i]);
            int w = max <= byte.MaxValue ? 1 : max <= ushort.MaxValue ? 2 : 4;
            _widths[f] = (byte)w;
            var col = _packed.AsSpan(at, ColumnBytes(n, w));
            switch (w)
            {
                case 1:
                    for (int r = 0, i = f; r < n; r++, i += m) col[r] = (byte)c.Slots[i];
                    break;
                case 2:
                    var col2 = MemoryMarshal.Cast<byte, ushort>(col);
                    for (int r = 0, i = f; r < n; r++, i += m) col2[r] = (ushort)c.Slots[i];
                    break;
                default:
                    var col4 = MemoryMarshal.Cast<byte, int>(col);
                    for (int r = 0, i = f; r < n; r++, i += m) col4[r] = c.Slots[i];
                    break;
            }
            at += col.Length;
        }
        _fs.Write(MemoryMarshal.AsBytes(new ReadOnlySpan<int>(ref n)));
        _fs.Write(MemoryMarshal.AsBytes(c.Labels.AsSpan(0, n)));
        _fs.Write(c.Tags.AsSpan(0, n));
        _fs.Write(_widths);
        _fs.Write(_packed.AsSpan(0, at));
        _fs.Write(MemoryMarshal.AsBytes(c.Values.AsSpan(0, n * k)));
    }

    /// <summary>Moves back to the start for reading.</summary>
    public void Rewind() => _fs.Position = 0;

    /// <summary>
    /// Reads the next chunk, its slots translated through <paramref name="slotIds"/> into row-major
    /// <paramref name="ids"/>, and returns its row count; 0 at the end.
    /// </summary>
    public int Read(float[] labels, byte[] tags, int[][] slotIds, int[] ids, float[] values)
    {
        int n = 0, m = slotIds.Length;
        int got = _fs.ReadAtLeast(MemoryMarshal.AsBytes(new Span<int>(ref n)), 4, throwOnEndOfStream: false);
        if (got == 0) return 0;
        if (got < 4 || (uint)n > (uint)labels.Length || _widths.Length != m) throw new InvalidDataException($"{_path}: corrupt spill chunk.");
        _fs.ReadExactly(MemoryMarshal.AsBytes(labels.AsSpan(0, n)));
        _fs.ReadExactly(tags.AsSpan(0, n));
        _fs.ReadExactly(_widths);
        int bytes = 0;
        foreach (byte w in _widths) bytes += ColumnBytes(n, w);
        _fs.ReadExactly(_packed.AsSpan(0, bytes));
        int at = 0;
        for (int f = 0; f < m; f++)
        {
            int[] t = slotIds[f];
            int w = _widths[f];
            var col = _packed.AsSpan(at, ColumnBytes(n, w));
            switch (w)
            {
                case 1:
                    for (int r = 0, i = f; r < n; r++, i += m) ids[i] = t[col[r]];
                    break;
                case 2:
                    var col2 = MemoryMarshal.Cast<byte, ushort>(col);
                    for (int r = 0, i = f; r < n; r++, i += m) ids[i] = t[col2[r]];
                    break;
                default:
                    var col4 = MemoryMarshal.Cast<byte, int>(col);
                    for (int r = 0, i = f; r < n; r++, i += m) ids[i] = t[col4[r]];
                    break;
            }
            at += col.Length;
        }
        _fs.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan(0, values.Length / DataPipeline.ChunkRows * n)));
        return n;
    }

    public void Dispose()
    {
        _fs.Dispose();
        try { File.Delete(_path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
