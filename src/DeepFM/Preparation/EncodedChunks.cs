using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>Parses and encodes text rows with a map (files encoded with an existing map): every row tagged Test, or by
/// <paramref name="split"/> when given (training data encoded with a model's map, for a warm start).</summary>
internal sealed class EncodedChunks(RowReader rr, FeatureMap map, SplitOptions? split = null) : IRowChunks
{
    public int Read(int[] ids, float[] values, float[] labels, byte[] tags)
    {
        int m = map.FieldCount, n = 0;
        while (n < labels.Length && rr.Next())
        {
            map.EncodeRow(rr.Row, ids.AsSpan(n * m, m), values.AsSpan(n * m, m));
            labels[n] = rr.Row.Label;
            tags[n] = (byte)(split is null ? SplitTag.Test : split.Assign(rr.RowIndex));
            n++;
        }
        return n;
    }
}
