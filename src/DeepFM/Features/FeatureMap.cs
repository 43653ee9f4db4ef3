using System.Globalization;
using System.IO.Hashing;
using System.Text;
using DeepFM.Data;

namespace DeepFM.Features;

/// <summary>
/// The mapping from raw input to model input: per field a vocabulary (or numeric encoding) with global ids, and the
/// <see cref="Reader"/> settings of the data it was built on. Built on training rows only; saved with a model so new files encode exactly as training did.
/// </summary>
public sealed class FeatureMap
{
    private readonly FeatureField[] _fields;
    private readonly Dictionary<string, int> _fieldIndex;

    internal FeatureMap(ReaderSettings reader, NumericEncoding encoding, FeatureField[] fields)
    {
        Reader = reader;
        NumericEncoding = encoding;
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
        _multi = new MultiValuedColumn?[fields.Length];
        for (int f = 0; f < fields.Length; f++)
        {
            if (fields[f].Kind != FieldKind.MultiCategorical) continue;
            _multi[f] = reader.CsvSchema?.MultiOf(fields[f].Name)
                ?? throw new UserInputException($"feature map: field {fields[f].Name} is multi-valued but its reader settings do not declare it (multi=).");
            HasMultiValuedFields = true;
        }
    }

    private readonly MultiValuedColumn?[] _multi;

    /// <summary>True when some field holds several values per row: rows are then jagged (<see cref="Batch.IsJagged"/>).</summary>
    public bool HasMultiValuedFields { get; }

    /// <summary>How field <paramref name="field"/>'s values are split and pooled; null for a single-valued field.</summary>
    public MultiValuedColumn? MultiValuedColumnOf(int field) => _multi[field];

    /// <summary>How raw files are read (format, CSV schema, libsvm field ranges): as the training data was.</summary>
    public ReaderSettings Reader { get; }

    /// <summary>Numeric field encoding.</summary>
    public NumericEncoding NumericEncoding { get; }

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
    /// <exception cref="InvalidOperationException">The map has multi-valued fields (use <see cref="EncodeEntries"/>).</exception>
    internal void EncodeRow(RawRow row, Span<int> ids, Span<float> values)
    {
        if (HasMultiValuedFields) throw new InvalidOperationException("A map with multi-valued fields encodes rows of variable length (EncodeEntries).");
        var fields = _fields;
        for (int f = 0; f < fields.Length; f++) EncodeSingle(fields[f], row, f, out ids[f], out values[f]);
    }

    private void EncodeSingle(FeatureField ff, RawRow row, int f, out int id, out float value)
    {
        if (ff.Kind == FieldKind.Categorical)
        {
            id = ff.Offset + (ff.ByteIds!.TryGetValue(row.Key(f), out int local) ? local : 0);
            value = row.Value[f];
        }
        else
        {
            EncodeNumeric(ff, row.Missing[f], row.Number[f], out id, out value);
        }
    }

    /// <summary>
    /// Encodes field <paramref name="f"/> of a parsed row as its entries (one for a single-valued field; the kept
    /// values of a multi-valued one, each weighted by its pooling, none for an empty list), appended to
    /// <paramref name="ids"/> and <paramref name="values"/> at <paramref name="count"/>, which grow when full; returns
    /// the number of entries written. <paramref name="scratch"/> is the caller's buffer for the values' positions.
    /// Allocates only when a buffer grows.
    /// </summary>
    internal int EncodeEntries(RawRow row, int f, ref int[] ids, ref float[] values, int count, ref (int Start, int Length)[] scratch)
    {
        var ff = _fields[f];
        if (_multi[f] is not { } column)
        {
            Reserve(ref ids, ref values, count + 1);
            EncodeSingle(ff, row, f, out ids[count], out values[count]);
            return 1;
        }
        var cell = row.Key(f);
        int n = column.Split(cell, ref scratch);
        Reserve(ref ids, ref values, count + n);
        float weight = column.Pooling == Pooling.Mean && n > 0 ? 1f / n : 1f;
        for (int i = 0; i < n; i++)
        {
            var (start, length) = scratch[i];
            ids[count + i] = ff.Offset + (ff.ByteIds!.TryGetValue(cell.Slice(start, length), out int local) ? local : 0);
            values[count + i] = weight;
        }
        return n;
    }

    private static void Reserve(ref int[] ids, ref float[] values, int needed)
    {
        if (ids.Length < needed) Array.Resize(ref ids, Math.Max(needed, ids.Length * 2));
        if (values.Length < needed) Array.Resize(ref values, Math.Max(needed, values.Length * 2));
    }

    /// <summary>
    /// This map grown by the values of <paramref name="newer"/> (a map built on new data with the same fields) that it
    /// lacks: each field keeps its ids in their order and appends the new values after them, so only the fields' offsets
    /// move. <paramref name="oldToNew"/> gives every id of this map its id in the result (for carrying trained rows of
    /// embedding tables over). Fields without a vocabulary stay one id.
    /// </summary>
    /// <exception cref="UserInputException">The maps' fields differ in name or kind, or their numeric encodings differ.</exception>
    public FeatureMap ExtendWith(FeatureMap newer, out int[] oldToNew)
    {
        ArgumentNullException.ThrowIfNull(newer);
        if (newer.FieldCount != FieldCount || newer.NumericEncoding != NumericEncoding)
            throw new UserInputException($"The new data's fields ({newer.FieldCount}, {newer.NumericEncoding}) differ from the model's ({FieldCount}, {NumericEncoding}).");
        var fields = new FeatureField[FieldCount];
        oldToNew = new int[FeatureCount];
        long offset = 0;
        for (int f = 0; f < FieldCount; f++)
        {
            var old = _fields[f];
            var add = newer._fields[f];
            if (add.Name != old.Name || add.Kind != old.Kind)
                throw new UserInputException($"The new data's field {f + 1} is {add.Name} ({add.Kind}), the model's is {old.Name} ({old.Kind}).");
            string[]? keys = old.Keys;
            if (old.Keys is { } oldKeys && add.Keys is { } newKeys)
                keys = [.. oldKeys, .. newKeys.Where(k => !old.Ids!.ContainsKey(k))];
            int size = (keys?.Length ?? 0) + 1;
            if (offset + size > int.MaxValue) throw new UserInputException("Too many distinct values for 32-bit ids; raise min-count.");
            for (int i = 0; i < old.Size; i++) oldToNew[old.Offset + i] = (int)offset + i;
            fields[f] = new FeatureField(old.Name, old.Kind, (int)offset, size, old.MinCount, keys);
            offset += size;
        }
        return new FeatureMap(Reader, NumericEncoding, fields);
    }

    /// <summary>Writes the map (versioned binary, <see cref="FeatureMapFormat"/>).</summary>
    public void Write(BinaryWriter w) => FeatureMapFormat.Write(this, w);

    /// <summary>Reads a map written by <see cref="Write"/>; corrupt content raises <see cref="UserInputException"/>.</summary>
    public static FeatureMap Read(BinaryReader r) => FeatureMapFormat.Read(r);
}
