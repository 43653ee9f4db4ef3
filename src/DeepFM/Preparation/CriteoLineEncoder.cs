using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>
/// Encodes single Criteo text lines into a model's feature ids and values, exactly as the training pipeline does:
/// the same parser, the same feature map. For hosts that receive rows one request at a time (the scoring service).
/// One instance reuses one parsed-row buffer, so it is not shared between threads; encoding allocates nothing.
/// </summary>
public sealed class CriteoLineEncoder
{
    /// <summary>Columns of a labeled Criteo line: the label, 13 integer and 26 categorical fields.</summary>
    public const int LabeledColumns = CriteoParser.Columns;

    private readonly FeatureMap _map;
    private readonly CriteoParser _parser;
    private readonly RawRow _raw;

    /// <summary>Creates an encoder for lines without the label column (<see cref="LabeledColumns"/> − 1 columns);
    /// <paramref name="sourceName"/> names the input in error messages.</summary>
    /// <exception cref="UserInputException">When <paramref name="map"/> was not built from Criteo data.</exception>
    public CriteoLineEncoder(FeatureMap map, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.Reader.Format != DataFormat.Criteo)
            throw new UserInputException($"This model reads {map.Reader.Format.ToString().ToLowerInvariant()} input, not Criteo lines.");
        _map = map;
        _parser = new CriteoParser(sourceName, labeled: false);
        _raw = new RawRow(map.FieldCount);
    }

    /// <summary>Number of fields: the length of the spans <see cref="Encode"/> fills.</summary>
    public int FieldCount => _map.FieldCount;

    /// <summary>Parses <paramref name="line"/> (no label, no line end) and writes its ids and values.</summary>
    /// <exception cref="DataFormatException">When the line is malformed; names the line and the field.</exception>
    public void Encode(ReadOnlySpan<byte> line, long lineNo, Span<int> ids, Span<float> values)
    {
        _parser.Parse(line, lineNo, _raw);
        _map.EncodeRow(_raw, ids, values);
    }
}
