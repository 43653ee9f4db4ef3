using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace DeepFM.Preparation;

/// <summary>Buffered writer of one cache section at a fixed offset, hashing what it writes.</summary>
internal sealed class SectionWriter : IDisposable
{
    private readonly FileStream _fs;
    private readonly byte[] _buf = new byte[1 << 20];
    private readonly XxHash3 _hash = new();
    private int _n;

    public SectionWriter(string path, long offset)
    {
        _fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
        _fs.Position = offset;
    }

    public void Write<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(data);
        while (!bytes.IsEmpty)
        {
            int k = Math.Min(bytes.Length, _buf.Length - _n);
            bytes[..k].CopyTo(_buf.AsSpan(_n));
            _n += k;
            bytes = bytes[k..];
            if (_n == _buf.Length) Drain();
        }
    }

    private void Drain()
    {
        _hash.Append(_buf.AsSpan(0, _n));
        _fs.Write(_buf, 0, _n);
        _n = 0;
    }

    public ulong Finish()
    {
        Drain();
        _fs.Flush(flushToDisk: true);
        return _hash.GetCurrentHashAsUInt64();
    }

    public void Dispose() => _fs.Dispose();
}
