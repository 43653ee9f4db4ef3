using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>Collects encoded rows of variable length (rows with multi-valued fields) in memory, as the arrays of a
/// <see cref="JaggedRowSet"/>: per row and field an offset into the flat ids and values, and a split tag per row.</summary>
internal sealed class JaggedRowsBuilder(FeatureMap map)
{
    private readonly int _fields = map.FieldCount;
    private long[] _offsets = new long[1 + 1024 * map.FieldCount];
    private int[] _ids = new int[4096];
    private float[] _values = new float[4096];
    private float[] _labels = new float[1024];
    private byte[] _tags = new byte[1024];
    private (int Start, int Length)[] _scratch = new (int, int)[16];
    private int _entries;

    /// <summary>Rows added.</summary>
    public int Count { get; private set; }

    /// <summary>Encodes and appends one parsed row.</summary>
    public void Add(RawRow row, SplitTag tag)
    {
        if (Count == int.MaxValue) throw new UserInputException("More than 2,147,483,647 rows with multi-valued fields do not fit one in-memory encoding; split the file.");
        if (Count == _labels.Length)
        {
            Array.Resize(ref _labels, _labels.Length * 2);
            Array.Resize(ref _tags, _tags.Length * 2);
        }
        long needed = (long)(Count + 1) * _fields + 1;
        if (needed > _offsets.Length) Array.Resize(ref _offsets, (int)Math.Min(Array.MaxLength, Math.Max(needed, (long)_offsets.Length * 2)));
        long at = (long)Count * _fields;
        for (int f = 0; f < _fields; f++)
        {
            _offsets[at + f] = _entries;
            int n = map.EncodeEntries(row, f, ref _ids, ref _values, _entries, ref _scratch);
            if ((long)_entries + n > Array.MaxLength) throw new UserInputException("The rows hold more multi-valued entries than one array can; split the file or lower max-len.");
            _entries += n;
        }
        _offsets[at + _fields] = _entries;
        _labels[Count] = row.Label;
        _tags[Count] = (byte)tag;
        Count++;
    }

    /// <summary>The split tags, one per row.</summary>
    public ReadOnlySpan<byte> Tags => _tags.AsSpan(0, Count);

    /// <summary>The rows as a row set (copies trimmed to size).</summary>
    public JaggedRowSet ToRowSet() => new(_fields, _offsets[..(int)((long)Count * _fields + 1)], _ids[.._entries], _values[.._entries], _labels[..Count]);
}
