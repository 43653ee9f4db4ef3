namespace DeepFM.Data;

/// <summary>
/// Some rows of another row set, through an index array: e.g. the fixed sample of a huge validation set that the
/// trainer scores at each evaluation. Not thread-safe (one buffer translates the requested indices).
/// </summary>
public sealed class SampledRowSet : IRowSet
{
    private readonly IRowSet _source;
    private readonly int[] _rows;
    private int[] _buffer = [];

    /// <summary>The rows <paramref name="rows"/> (indices into <paramref name="source"/>) in that order.</summary>
    public SampledRowSet(IRowSet source, int[] rows)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(rows);
        foreach (int r in rows)
            if ((uint)r >= (uint)source.Count) throw new ArgumentOutOfRangeException(nameof(rows), $"Row {r} is outside the source's {source.Count} rows.");
        _source = source;
        _rows = rows;
    }

    /// <summary>A fixed random sample of <paramref name="count"/> rows of <paramref name="source"/> (all when it has no
    /// more), in the source's order, drawn from <paramref name="seed"/>.</summary>
    public static IRowSet Sample(IRowSet source, int count, long seed)
    {
        if (count <= 0 || source.Count <= count) return source;
        var rng = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        var picked = new HashSet<int>();
        while (picked.Count < count) picked.Add(rng.Next(source.Count));
        return new SampledRowSet(source, [.. picked.Order()]);
    }

    /// <inheritdoc />
    public int Count => _rows.Length;

    /// <inheritdoc />
    public int FieldCount => _source.FieldCount;

    /// <inheritdoc />
    public bool IsJagged => _source.IsJagged;

    /// <inheritdoc />
    public int MaxRowEntries => _source.MaxRowEntries;

    /// <inheritdoc />
    public void Gather(ReadOnlySpan<int> rows, Batch batch)
    {
        if (_buffer.Length < rows.Length) _buffer = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++) _buffer[i] = _rows[rows[i]];
        _source.Gather(_buffer.AsSpan(0, rows.Length), batch);
    }

    /// <inheritdoc />
    public void Slice(int start, int count, Batch batch) => _source.Gather(_rows.AsSpan(start, count), batch);
}
