namespace DeepFM.Data;

/// <summary>Assigns libsvm feature indices to fields by inclusive index ranges, e.g. <c>user:0-956,item:957-5038</c>.</summary>
public sealed class LibsvmFieldMap
{
    private readonly LibsvmFieldRange[] _sorted;
    private readonly int[] _sortedToField;

    /// <summary>Creates a map; ranges must not overlap. Field order is the order given.</summary>
    public LibsvmFieldMap(IReadOnlyList<LibsvmFieldRange> ranges)
    {
        if (ranges.Count == 0) throw new UserInputException("libsvm field map: no fields.");
        Ranges = ranges.ToArray();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in Ranges)
        {
            if (r.First < 0 || r.Last < r.First) throw new UserInputException($"libsvm field map: bad range {r.First}-{r.Last} for field {r.Name}.");
            if (!names.Add(r.Name)) throw new UserInputException($"libsvm field map: field \"{r.Name}\" is named twice.");
        }
        _sortedToField = Enumerable.Range(0, Ranges.Count).OrderBy(i => Ranges[i].First).ToArray();
        _sorted = _sortedToField.Select(i => Ranges[i]).ToArray();
        for (int i = 1; i < _sorted.Length; i++)
            if (_sorted[i].First <= _sorted[i - 1].Last)
                throw new UserInputException($"libsvm field map: fields {_sorted[i - 1].Name} and {_sorted[i].Name} overlap.");
    }

    /// <summary>The fields in order.</summary>
    public IReadOnlyList<LibsvmFieldRange> Ranges { get; }

    /// <summary>Parses <c>name:first-last,name:first-last,…</c>.</summary>
    public static LibsvmFieldMap Parse(string text)
    {
        var list = new List<LibsvmFieldRange>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = part.LastIndexOf(':');
            int dash = colon < 0 ? -1 : part.IndexOf('-', colon + 1);
            if (colon <= 0 || dash < 0
                || !long.TryParse(part.AsSpan(colon + 1, dash - colon - 1), System.Globalization.NumberStyles.None, null, out long a)
                || !long.TryParse(part.AsSpan(dash + 1), System.Globalization.NumberStyles.None, null, out long b))
                throw new UserInputException($"libsvm field map \"{text}\": \"{part}\" is not name:first-last.");
            list.Add(new LibsvmFieldRange(part[..colon], a, b));
        }
        return new LibsvmFieldMap(list);
    }

    /// <summary>The field holding feature index <paramref name="index"/>, or −1.</summary>
    public int FieldOf(long index)
    {
        int lo = 0, hi = _sorted.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (index < _sorted[mid].First) hi = mid - 1;
            else if (index > _sorted[mid].Last) lo = mid + 1;
            else return _sortedToField[mid];
        }
        return -1;
    }

    /// <summary>The compact form accepted by <see cref="Parse"/>.</summary>
    public override string ToString() => string.Join(',', Ranges.Select(r => $"{r.Name}:{r.First}-{r.Last}"));
}
