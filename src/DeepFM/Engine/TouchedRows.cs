namespace DeepFM.Engine;

/// <summary>The distinct rows of a sparse parameter written since the last clear, in first-touch order.</summary>
public sealed class TouchedRows
{
    private readonly bool[] _mark;
    private int[] _rows = new int[1024];

    /// <summary>Creates an empty set over <paramref name="rowCount"/> rows.</summary>
    public TouchedRows(int rowCount) => _mark = new bool[rowCount];

    /// <summary>Number of distinct rows touched.</summary>
    public int Count { get; private set; }

    /// <summary>The touched rows.</summary>
    public ReadOnlySpan<int> Rows => _rows.AsSpan(0, Count);

    /// <summary>Whether a row is in the set.</summary>
    public bool Contains(int row) => _mark[row];

    /// <summary>Adds a row (no-op if present).</summary>
    public void Add(int row)
    {
        if (_mark[row]) return;
        _mark[row] = true;
        if (Count == _rows.Length) Array.Resize(ref _rows, _rows.Length * 2);
        _rows[Count++] = row;
    }

    /// <summary>Empties the set in time proportional to its size.</summary>
    public void Clear()
    {
        foreach (int r in Rows) _mark[r] = false;
        Count = 0;
    }
}
