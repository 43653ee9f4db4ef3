using System.Globalization;
using System.IO.Hashing;
using System.Text;
using DeepFM.Data;

namespace DeepFM.Features;

/// <summary>
/// One field of a <see cref="FeatureMap"/>: its global ids are <c>[Offset, Offset + Size)</c>, with the field's OOV id
/// (unseen or rarer than <see cref="MinCount"/>) at <c>Offset</c>.
/// </summary>
public sealed class FeatureField
{
    internal FeatureField(string name, FieldKind kind, int offset, int size, int minCount, string[]? keys)
    {
        Name = name;
        Kind = kind;
        Offset = offset;
        Size = size;
        MinCount = minCount;
        Keys = keys;
        if (keys is not null)
        {
            Ids = new Dictionary<string, int>(keys.Length, StringComparer.Ordinal);
            for (int i = 0; i < keys.Length; i++)
                if (!Ids.TryAdd(keys[i], i + 1)) throw new UserInputException($"feature map: field {name} lists value \"{keys[i]}\" twice.");
            Lookup = Ids.GetAlternateLookup<ReadOnlySpan<char>>();
            if (kind == FieldKind.Categorical)
            {
                // Raw UTF-8 input is looked up by its bytes; a key that is not valid UTF-16 (it never is when built
                // from input) can match no valid input, so it is left out.
                ByteIds = new ByteKeyTable(keys.Length);
                var strict = new UTF8Encoding(false, true);
                byte[] kb = [];
                for (int i = 0; i < keys.Length; i++)
                {
                    int n;
                    try
                    {
                        int max = strict.GetMaxByteCount(keys[i].Length);
                        if (kb.Length < max) kb = new byte[Math.Max(max, 64)];
                        n = strict.GetBytes(keys[i], kb);
                    }
                    catch (EncoderFallbackException) { continue; }
                    ByteIds.GetOrAdd(kb.AsSpan(0, n)) = i + 1;
                }
            }
            if (kind == FieldKind.Numeric)
            {
                // Integer buckets (all of Criteo's) resolve through a table: no formatting or string hashing per value.
                IntBucketIds = new int[IntBucketMax - IntBucketMin];
                Span<char> buf = stackalloc char[NumericBuckets.MaxKeyLength];
                for (int b = IntBucketMin; b < IntBucketMax; b++)
                {
                    b.TryFormat(buf, out int n, default, CultureInfo.InvariantCulture);
                    IntBucketIds[b - IntBucketMin] = offset + (Lookup.TryGetValue(buf[..n], out int id) ? id : 0);
                }
                MissingId = offset + (Ids.TryGetValue("", out int mid) ? mid : 0);
            }
        }
    }

    internal const int IntBucketMin = NumericBuckets.IntBucketMin, IntBucketMax = NumericBuckets.IntBucketMax;

    /// <summary>Local ids by UTF-8 key bytes (categorical fields with a vocabulary only).</summary>
    internal ByteKeyTable? ByteIds { get; }

    /// <summary>Global ids of integer bucket keys in [IntBucketMin, IntBucketMax) (bucketed numeric fields only).</summary>
    internal int[]? IntBucketIds { get; }

    /// <summary>Global id of the missing bucket (bucketed numeric fields only).</summary>
    internal int MissingId { get; }

    /// <summary>Field name (I1, C3, a CSV column, f0, or a libsvm field-map name).</summary>
    public string Name { get; }

    /// <summary>Categorical or numeric.</summary>
    public FieldKind Kind { get; }

    /// <summary>First global id of the field (its OOV id).</summary>
    public int Offset { get; }

    /// <summary>Number of ids of the field, OOV included.</summary>
    public int Size { get; }

    /// <summary>The min-count the vocabulary was built with.</summary>
    public int MinCount { get; }

    /// <summary>True when values map through a vocabulary (categorical, or bucketed numeric); false for one scaled row.</summary>
    public bool HasVocabulary => Keys is not null;

    /// <summary>Vocabulary keys by local id − 1 (local id 0 is OOV); null when the field has no vocabulary.</summary>
    internal string[]? Keys { get; }

    internal Dictionary<string, int>? Ids { get; }

    internal Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Lookup;

    /// <summary>The raw value behind global id <paramref name="globalId"/> of this field: null for OOV or no vocabulary.</summary>
    public string? KeyOf(int globalId)
    {
        int local = globalId - Offset;
        return Keys is null || local <= 0 || local > Keys.Length ? null : Keys[local - 1];
    }
}

/// <summary>
/// The mapping from raw input to model input: how to read the raw format, and per field a vocabulary (or numeric
/// encoding) with global ids. Built on training rows only; saved with a model so new files encode exactly as training did.
/// </summary>
public sealed class FeatureMap
{
    private const int Magic = 0x50414D46; // "FMAP"
    private const int Version = 1;
    private readonly FeatureField[] _fields;
    private readonly Dictionary<string, int> _fieldIndex;

    internal FeatureMap(DataFormat format, NumericEncoding encoding, CsvSchema? csvSchema, LibsvmFieldMap? libsvmFieldMap,
        FeatureField[] fields)
    {
        Format = format;
        NumericEncoding = encoding;
        CsvSchema = csvSchema;
        LibsvmFieldMap = libsvmFieldMap;
        _fields = fields;
        _fieldIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        long total = 0;
        for (int f = 0; f < fields.Length; f++)
        {
            if (fields[f].Offset != total || fields[f].Size < 1)
                throw new UserInputException($"feature map: field {fields[f].Name} has offset {fields[f].Offset} and size {fields[f].Size}, expected offset {total}.");
            if (!_fieldIndex.TryAdd(fields[f].Name, f)) throw new UserInputException($"feature map: field {fields[f].Name} appears twice.");
            total += fields[f].Size;
        }
        if (total > int.MaxValue) throw new UserInputException($"feature map: {total} features do not fit 32-bit ids; raise min-count.");
        if (fields.Length == 0) throw new UserInputException("feature map: no fields.");
        FeatureCount = (int)total;
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true)) Write(w);
        Hash = XxHash64.HashToUInt64(ms.GetBuffer().AsSpan(0, (int)ms.Length));
        Specs = [.. fields.Select(x => new FieldSpec(x.Name, x.Kind))];
    }

    /// <summary>Raw input format.</summary>
    public DataFormat Format { get; }

    /// <summary>Numeric field encoding.</summary>
    public NumericEncoding NumericEncoding { get; }

    /// <summary>CSV column roles (CSV only).</summary>
    public CsvSchema? CsvSchema { get; }

    /// <summary>libsvm field ranges, or null when libsvm fields are positional.</summary>
    public LibsvmFieldMap? LibsvmFieldMap { get; }

    /// <summary>Fields in model order.</summary>
    public IReadOnlyList<FeatureField> Fields => _fields;

    /// <summary>Number of fields <c>m</c>.</summary>
    public int FieldCount => _fields.Length;

    /// <summary>Total ids over all fields: the number of rows of the embedding table.</summary>
    public int FeatureCount { get; }

    /// <summary>Stable 64-bit hash of the map's serialized content.</summary>
    public ulong Hash { get; }

    internal FieldSpec[] Specs { get; }

    /// <summary>Index of the field named <paramref name="name"/>, or −1.</summary>
    public int FieldIndex(string name) => _fieldIndex.TryGetValue(name, out int f) ? f : -1;

    /// <summary>
    /// Encodes one raw value of field <paramref name="field"/> (null or empty = missing), e.g. for a server that receives
    /// raw values. Unseen values get the field's OOV id. False when a numeric field's text is not a number (then the
    /// OOV id and value 0 are returned).
    /// </summary>
    public bool TryEncodeField(int field, ReadOnlySpan<char> raw, out int globalId, out float value)
    {
        var ff = _fields[field];
        raw = raw.Trim();
        if (ff.Kind == FieldKind.Categorical)
        {
            globalId = ff.Offset + (ff.Lookup.TryGetValue(raw, out int id) ? id : 0);
            value = 1;
            return true;
        }
        bool missing = raw.IsEmpty;
        double x = 0;
        if (!missing && (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out x) || double.IsNaN(x)))
        {
            globalId = ff.Offset;
            value = 0;
            return false;
        }
        EncodeNumeric(ff, missing, x, out globalId, out value);
        return true;
    }

    /// <summary>
    /// Encodes one number of numeric field <paramref name="field"/> (NaN = missing) without going through text, e.g. for
    /// in-memory hosts such as the ML.NET integration. Encodes exactly as <see cref="TryEncodeField"/> does the number's text.
    /// </summary>
    public void EncodeNumber(int field, double x, out int globalId, out float value)
    {
        var ff = _fields[field];
        if (ff.Kind != FieldKind.Numeric) throw new ArgumentException($"Field {ff.Name} is not numeric.", nameof(field));
        EncodeNumeric(ff, double.IsNaN(x), x, out globalId, out value);
    }

    private void EncodeNumeric(FeatureField ff, bool missing, double x, out int globalId, out float value)
    {
        switch (NumericEncoding)
        {
            case NumericEncoding.Bucket:
                value = 1;
                if (missing || double.IsNaN(x)) { globalId = ff.MissingId; return; }
                if (NumericBuckets.TryIntBucket(x, out int b))
                {
                    globalId = ff.IntBucketIds![b - FeatureField.IntBucketMin];
                    return;
                }
                Span<char> buf = stackalloc char[NumericBuckets.MaxKeyLength];
                int n = NumericBuckets.Format(missing, x, buf);
                globalId = ff.Offset + (ff.Lookup.TryGetValue(buf[..n], out int id) ? id : 0);
                break;
            default:
                globalId = ff.Offset;
                value = ScaledValue(NumericEncoding, missing, x);
                break;
        }
    }

    /// <summary>The value of a numeric field encoded without buckets (<see cref="NumericEncoding.Value"/> or
    /// <see cref="NumericEncoding.LogValue"/>): 0 when missing. Its id is always the field's offset.</summary>
    internal static float ScaledValue(NumericEncoding encoding, bool missing, double x) =>
        missing ? 0 : encoding == NumericEncoding.Value ? (float)x : NumericBuckets.LogValue(x);

    /// <summary>Encodes a parsed row into one row of ids and values. Allocates nothing.</summary>
    internal void EncodeRow(RawRow row, Span<int> ids, Span<float> values)
    {
        var fields = _fields;
        for (int f = 0; f < fields.Length; f++)
        {
            var ff = fields[f];
            if (ff.Kind == FieldKind.Categorical)
            {
                ids[f] = ff.Offset + (ff.ByteIds!.TryGetValue(row.Key(f), out int id) ? id : 0);
                values[f] = row.Value[f];
            }
            else
            {
                EncodeNumeric(ff, row.Missing[f], row.Number[f], out ids[f], out values[f]);
            }
        }
    }

    /// <summary>Writes the map (versioned binary).</summary>
    public void Write(BinaryWriter w)
    {
        w.Write(Magic);
        w.Write(Version);
        w.Write((int)Format);
        w.Write((int)NumericEncoding);
        w.Write(CsvSchema?.ToString() ?? "");
        w.Write(LibsvmFieldMap?.ToString() ?? "");
        w.Write(_fields.Length);
        foreach (var f in _fields)
        {
            w.Write(f.Name);
            w.Write((byte)f.Kind);
            w.Write(f.Offset);
            w.Write(f.Size);
            w.Write(f.MinCount);
            w.Write(f.Keys is not null);
            if (f.Keys is null) continue;
            w.Write(f.Keys.Length);
            foreach (var k in f.Keys) w.Write(k);
        }
    }

    /// <summary>Reads a map written by <see cref="Write"/>; corrupt content raises <see cref="UserInputException"/>.</summary>
    public static FeatureMap Read(BinaryReader r)
    {
        try
        {
            if (r.ReadInt32() != Magic) throw new UserInputException("feature map: wrong magic number (not a DeepFM feature map).");
            int version = r.ReadInt32();
            if (version != Version) throw new UserInputException($"feature map: unsupported version {version} (expected {Version}).");
            var format = (DataFormat)r.ReadInt32();
            var enc = (NumericEncoding)r.ReadInt32();
            if (!Enum.IsDefined(format) || !Enum.IsDefined(enc)) throw new UserInputException("feature map: corrupt format or encoding.");
            string schema = r.ReadString(), fmap = r.ReadString();
            int n = r.ReadInt32();
            if (n <= 0 || n > 1 << 20) throw new UserInputException($"feature map: corrupt field count {n}.");
            var fields = new FeatureField[n];
            for (int i = 0; i < n; i++)
            {
                string name = r.ReadString();
                var kind = (FieldKind)r.ReadByte();
                int offset = r.ReadInt32(), size = r.ReadInt32(), minCount = r.ReadInt32();
                if (!Enum.IsDefined(kind)) throw new UserInputException($"feature map: corrupt kind of field {name}.");
                string[]? keys = null;
                if (r.ReadBoolean())
                {
                    int k = r.ReadInt32();
                    if (k != size - 1) throw new UserInputException($"feature map: field {name} has {k} values but size {size}.");
                    keys = new string[k];
                    for (int j = 0; j < k; j++) keys[j] = r.ReadString();
                }
                fields[i] = new FeatureField(name, kind, offset, size, minCount, keys);
            }
            return new FeatureMap(format, enc, schema.Length == 0 ? null : CsvSchema.Parse(schema),
                fmap.Length == 0 ? null : LibsvmFieldMap.Parse(fmap), fields);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException or OverflowException
                                      or ArgumentException or OutOfMemoryException)
        {
            throw new UserInputException($"feature map: corrupt or truncated ({e.Message}).", e);
        }
    }
}

/// <summary>
/// Counts values per field on training rows and turns the counts into a <see cref="FeatureMap"/>. For the single-parse
/// prepare it also numbers every value of every row (<see cref="Record"/>) so rows can be encoded after
/// <see cref="Build(int, DataFormat, CsvSchema?, LibsvmFieldMap?, out int[][])"/> without parsing them again.
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

    public FeatureMapBuilder(FieldSpec[] specs, NumericEncoding encoding)
    {
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
        _numeric = [.. Enumerable.Range(0, specs.Length).Where(f => specs[f].Kind != FieldKind.Categorical)];
        _homes = new int[_categorical.Length];
        _hashes = new ulong[_categorical.Length];
        _scratchSlots = new int[specs.Length];
    }

    /// <summary>Counts one training row. Allocates only when a table grows.</summary>
    public void Count(RawRow row) => Record(row, true, _scratchSlots);

    /// <summary>
    /// Writes the slot number of each field's value to <paramref name="slots"/> — the number that
    /// <see cref="Build(int, DataFormat, CsvSchema?, LibsvmFieldMap?, out int[][])"/> translates to a global id; 0 for
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
    public FeatureMap Build(int minCount, DataFormat format, CsvSchema? schema, LibsvmFieldMap? fieldMap) =>
        Build(minCount, format, schema, fieldMap, null);

    /// <summary>
    /// Builds the map as <see cref="Build(int, DataFormat, CsvSchema?, LibsvmFieldMap?)"/> does and, per field, the global
    /// id of every slot number <see cref="Record"/> wrote: the value's id, or the field's OOV id when it was kept out.
    /// </summary>
    public FeatureMap Build(int minCount, DataFormat format, CsvSchema? schema, LibsvmFieldMap? fieldMap, out int[][] slotIds)
    {
        slotIds = new int[_specs.Length][];
        return Build(minCount, format, schema, fieldMap, slotIds);
    }

    private FeatureMap Build(int minCount, DataFormat format, CsvSchema? schema, LibsvmFieldMap? fieldMap, int[][]? slotIds)
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
        return new FeatureMap(format, _encoding, schema, fieldMap, fields);
    }
}
