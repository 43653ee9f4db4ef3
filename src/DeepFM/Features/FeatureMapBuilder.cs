using System.Globalization;
using System.Text;
using DeepFM.Data;

namespace DeepFM.Features;

/// <summary>
/// Counts values per field on training rows and turns the counts into a <see cref="FeatureMap"/>. For the single-parse
/// prepare it also numbers every value of every row (<see cref="Record"/>) so rows can be encoded after
/// <see cref="Build(int, ReaderSettings, out int[][])"/> without parsing them again.
/// </summary>
internal sealed class FeatureMapBuilder
{
    // Bucketed numeric fields count integer buckets in an array: slot 0 is the missing bucket (key ""), slot
    // 1 + b − IntBucketMin the integer bucket b; other buckets count by their key's bytes and take slot numbers
    // IntSlots + their insertion number, after the array's.
    private const int IntSlots = 1 + NumericBuckets.IntBucketMax - NumericBuckets.IntBucketMin;
    private readonly FieldSpec[] _specs;
    private readonly NumericEncoding _encoding;
    private readonly ByteKeyTable?[] _counts;
    private readonly int[]?[] _intCounts;
    private readonly int[] _categorical, _numeric; // field indices by kind
    private readonly int[] _homes, _scratchSlots;  // per-row scratch of Record and Count
    private readonly ulong[] _hashes;

    private readonly int[] _multiFields;
    private readonly MultiValuedColumn?[] _multi;
    private (int Start, int Length)[] _ranges = new (int, int)[16];

    /// <summary>Creates a builder for <paramref name="specs"/>; <paramref name="reader"/> says how multi-valued fields
    /// split their values (required when there are any).</summary>
    public FeatureMapBuilder(FieldSpec[] specs, NumericEncoding encoding, ReaderSettings? reader = null)
    {
        _multi = new MultiValuedColumn?[specs.Length];
        for (int f = 0; f < specs.Length; f++)
            if (specs[f].Kind == FieldKind.MultiCategorical)
                _multi[f] = reader?.CsvSchema?.MultiOf(specs[f].Name) ?? throw new ArgumentException($"Field {specs[f].Name} is multi-valued: the reader settings must declare it.", nameof(reader));
        _multiFields = [.. Enumerable.Range(0, specs.Length).Where(f => specs[f].Kind == FieldKind.MultiCategorical)];
        _specs = specs;
        _encoding = encoding;
        _counts = new ByteKeyTable?[specs.Length];
        _intCounts = new int[]?[specs.Length];
        for (int f = 0; f < specs.Length; f++)
        {
            if (specs[f].Kind == FieldKind.Numeric && encoding != NumericEncoding.Bucket) continue;
            _counts[f] = new ByteKeyTable(1024);
            if (specs[f].Kind == FieldKind.Numeric) _intCounts[f] = new int[IntSlots];
        }
        _categorical = [.. Enumerable.Range(0, specs.Length).Where(f => specs[f].Kind == FieldKind.Categorical)];
        _numeric = [.. Enumerable.Range(0, specs.Length).Where(f => specs[f].Kind == FieldKind.Numeric)];
        _homes = new int[_categorical.Length];
        _hashes = new ulong[_categorical.Length];
        _scratchSlots = new int[specs.Length];
    }

    /// <summary>Counts one training row. Allocates only when a table grows.</summary>
    public void Count(RawRow row) => Record(row, true, _scratchSlots);

    /// <summary>
    /// Writes the slot number of each field's value to <paramref name="slots"/> — the number that
    /// <see cref="Build(int, ReaderSettings, out int[][])"/> translates to a global id; 0 for
    /// fields without a vocabulary — and counts the row as <see cref="Count"/> does when <paramref name="train"/>. Other
    /// rows insert their values with count 0, which leaves the map unchanged: a value needs a count of at least
    /// min-count ≥ 1 to be kept. Allocates only when a table grows.
    /// </summary>
    public void Record(RawRow row, bool train, Span<int> slots)
    {
        int inc = train ? 1 : 0;
        // Categorical tables rarely fit the cache: hash every key of the row and prefetch its home slot first, so the
        // misses of all fields overlap, then look them up (each table is touched once per row, so homes stay valid).
        var cat = _categorical;
        for (int j = 0; j < cat.Length; j++)
            _homes[j] = _counts[cat[j]]!.Prefetch(row.Key(cat[j]), out _hashes[j]);
        for (int j = 0; j < cat.Length; j++)
        {
            int f = cat[j];
            slots[f] = _counts[f]!.Add(row.Key(f), inc, _hashes[j], _homes[j]);
        }
        foreach (int f in _multiFields)
        {
            // Every kept value of the list counts; a multi-valued field has no single slot (its rows are not spilled).
            var cell = row.Key(f);
            int n = _multi[f]!.Split(cell, ref _ranges);
            for (int i = 0; i < n; i++) _counts[f]!.Add(cell.Slice(_ranges[i].Start, _ranges[i].Length), inc);
            slots[f] = 0;
        }
        foreach (int f in _numeric)
        {
            if (_intCounts[f] is not { } ints) { slots[f] = 0; continue; }
            int i;
            if (row.Missing[f]) i = 0;
            else if (NumericBuckets.TryIntBucket(row.Number[f], out int b)) i = 1 + b - NumericBuckets.IntBucketMin;
            else { slots[f] = IntSlots + AddOtherBucket(_counts[f]!, row.Number[f], inc); continue; }
            ints[i] += inc;
            slots[f] = i;
        }
    }

    private static int AddOtherBucket(ByteKeyTable counts, double x, int increment)
    {
        Span<char> buf = stackalloc char[NumericBuckets.MaxKeyLength];
        Span<byte> bytes = stackalloc byte[NumericBuckets.MaxKeyLength];
        int n = NumericBuckets.Format(false, x, buf);
        for (int i = 0; i < n; i++) bytes[i] = (byte)buf[i]; // ASCII
        return counts.Add(bytes[..n], increment);
    }

    /// <summary>Keeps values seen at least <paramref name="minCount"/> times, ids by descending count then ordinal key.</summary>
    public FeatureMap Build(int minCount, ReaderSettings reader) => Build(minCount, reader, null);

    /// <summary>
    /// Builds the map as <see cref="Build(int, ReaderSettings)"/> does and, per field, the global
    /// id of every slot number <see cref="Record"/> wrote: the value's id, or the field's OOV id when it was kept out.
    /// </summary>
    public FeatureMap Build(int minCount, ReaderSettings reader, out int[][] slotIds)
    {
        slotIds = new int[_specs.Length][];
        return Build(minCount, reader, slotIds);
    }

    private FeatureMap Build(int minCount, ReaderSettings reader, int[][]? slotIds)
    {
        var fields = new FeatureField[_specs.Length];
        long offset = 0;
        for (int f = 0; f < _specs.Length; f++)
        {
            (string Key, int Count, int Slot)[]? kept = null;
            if (_counts[f] is { } counts)
            {
                var list = new List<(string Key, int Count, int Slot)>();
                int firstTableSlot = 0;
                if (_intCounts[f] is { } ints)
                {
                    for (int i = 0; i < ints.Length; i++)
                        if (ints[i] >= minCount)
                            list.Add((i == 0 ? "" : (i - 1 + NumericBuckets.IntBucketMin).ToString(CultureInfo.InvariantCulture), ints[i], i));
                    firstTableSlot = IntSlots;
                }
                var state = (list, minCount, firstTableSlot);
                counts.ForEach(ref state, static (ref (List<(string, int, int)> Kept, int Min, int First) st, scoped ReadOnlySpan<byte> key, int count, int index) =>
                {
                    if (count >= st.Min) st.Kept.Add((Encoding.UTF8.GetString(key), count, st.First + index));
                });
                kept = [.. list.OrderByDescending(kv => kv.Count).ThenBy(kv => kv.Key, StringComparer.Ordinal)];
            }
            string[]? keys = kept?.Select(kv => kv.Key).ToArray();
            int size = (keys?.Length ?? 0) + 1;
            if (offset + size > int.MaxValue) throw new UserInputException("Too many distinct values for 32-bit ids; raise min-count.");
            fields[f] = new FeatureField(_specs[f].Name, _specs[f].Kind, (int)offset, size, minCount, keys);
            if (slotIds is not null)
            {
                // Every slot number starts at the OOV id; kept values get offset + local id (1-based by rank).
                var ids = new int[kept is null ? 1 : (_intCounts[f] is null ? 0 : IntSlots) + _counts[f]!.Count];
                Array.Fill(ids, (int)offset);
                for (int r = 0; r < (kept?.Length ?? 0); r++) ids[kept![r].Slot] = (int)offset + r + 1;
                slotIds[f] = ids;
            }
            offset += size;
        }
        return new FeatureMap(reader, _encoding, fields);
    }
}
