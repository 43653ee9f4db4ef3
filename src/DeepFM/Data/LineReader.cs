namespace DeepFM.Data;

/// <summary>
/// Streams a file as UTF-8 lines without decoding or allocating per line: LF or CRLF endings, a final line without a
/// newline, and a leading byte-order mark are handled. Line numbers are 1-based.
/// </summary>
internal sealed class LineReader : IDisposable
{
    private const int MaxLineBytes = 64 << 20;
    private readonly Stream _stream;
    private readonly string _fileName;
    private byte[] _buf;
    private int _start, _end, _scanned;
    private long _read; // bytes read from the stream: counted here so Position works on any stream
    private bool _eof, _first = true;

    public LineReader(string path, int bufferSize = 1 << 20)
    {
        _fileName = Path.GetFileName(path);
        try
        {
            _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1,
                FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UserInputException($"{path}: file not found.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{path}: cannot be read: {e.Message}", e);
        }
        _buf = new byte[bufferSize];
    }

    /// <summary>Number of the line last returned (0 before the first).</summary>
    public long LineNumber { get; private set; }

    /// <summary>Bytes consumed so far (for throughput reporting).</summary>
    public long Position => _read - (_end - _start);

    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        while (true)
        {
            int nl = _buf.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                int stop = _scanned + nl;
                line = Trim(_buf.AsSpan(_start, stop - _start));
                _start = _scanned = stop + 1;
                LineNumber++;
                return true;
            }
            _scanned = _end;
            if (_eof)
            {
                if (_start < _end)
                {
                    line = Trim(_buf.AsSpan(_start, _end - _start));
                    _start = _scanned = _end;
                    LineNumber++;
                    return true;
                }
                line = default;
                return false;
            }
            Fill();
        }
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s) => s.Length > 0 && s[^1] == (byte)'\r' ? s[..^1] : s;

    private void Fill()
    {
        if (_start > 0)
        {
            // Move the partial line to the front so the buffer only grows for lines longer than itself.
            _buf.AsSpan(_start, _end - _start).CopyTo(_buf);
            _end -= _start;
            _scanned -= _start;
            _start = 0;
        }
        if (_end == _buf.Length)
        {
            if (_buf.Length >= MaxLineBytes)
                throw new DataFormatException(_fileName, LineNumber + 1, null,
                    $"line longer than {MaxLineBytes >> 20} MiB (is this a binary file?)");
            Array.Resize(ref _buf, _buf.Length * 2);
        }
        int n = _stream.Read(_buf, _end, _buf.Length - _end);
        if (n == 0) { _eof = true; return; }
        _end += n;
        _read += n;
        if (_first)
        {
            _first = false;
            if (_end >= 3 && _buf[0] == 0xEF && _buf[1] == 0xBB && _buf[2] == 0xBF) _start = _scanned = 3;
        }
    }

    public void Dispose() => _stream.Dispose();
}
