using DeepFM.Data;

namespace DeepFM.Features;

/// <summary>
/// The binary form of a <see cref="FeatureMap"/>, stored in model files and caches: magic, version, format, numeric
/// encoding, CSV schema and libsvm field map (as text, empty when absent), then per field its name, kind, offset, size,
/// min-count and vocabulary.
/// </summary>
internal static class FeatureMapFormat
{
    private const int Magic = 0x50414D46; // "FMAP"
    private const int Version = 1;

    /// <summary>Writes <paramref name="map"/> (versioned binary).</summary>
    public static void Write(FeatureMap map, BinaryWriter w)
    {
        w.Write(Magic);
        w.Write(Version);
        w.Write((int)map.Reader.Format);
        w.Write((int)map.NumericEncoding);
        w.Write(map.Reader.CsvSchema?.ToString() ?? "");
        w.Write(map.Reader.LibsvmFieldMap?.ToString() ?? "");
        w.Write(map.FieldCount);
        foreach (var f in map.Fields)
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
                    // Every key takes at least its length byte: a count beyond the bytes left is damage, refused before
                    // it allocates an array of that size.
                    if (r.BaseStream.CanSeek && k > r.BaseStream.Length - r.BaseStream.Position)
                        throw new UserInputException($"feature map: field {name} claims {k} values, more than the bytes left (truncated or corrupt).");
                    keys = new string[k];
                    for (int j = 0; j < k; j++) keys[j] = r.ReadString();
                }
                fields[i] = new FeatureField(name, kind, offset, size, minCount, keys);
            }
            ReaderSettings reader;
            try
            {
                reader = new ReaderSettings(format, schema.Length == 0 ? null : CsvSchema.Parse(schema),
                    fmap.Length == 0 ? null : LibsvmFieldMap.Parse(fmap));
            }
            catch (UserInputException e)
            {
                // The stored text was written by ToString of a valid schema: one that does not parse is damage, not a typo.
                throw new UserInputException($"feature map: corrupt reader settings ({e.Message})", e);
            }
            return new FeatureMap(reader, enc, fields);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException or OverflowException
                                      or ArgumentException or OutOfMemoryException)
        {
            throw new UserInputException($"feature map: corrupt or truncated ({e.Message}).", e);
        }
    }
}
