using System.Globalization;
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
            if (kind is FieldKind.Categorical or FieldKind.MultiCategorical)
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
