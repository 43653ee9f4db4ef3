using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>Parses and encodes text rows with a map (files encoded with an existing map): every row tagged Test.</summary>
internal sealed class EncodedChunks(RowReader rr, FeatureMap map) : IRowChunks
{
    public int Read(int[] ids, float[] values, float[] labels, byte[] tags)
    {
        int m = map.FieldCount, n = 0;
        while (n < labels.Length && rr.Next())
        {
            map.EncodeRow(rr.Row, ids.AsSpan(n * m, m), values.AsSpan(n * m, m));
            labels[n] = rr.Row.Label;
            tags[n] = (byte)SplitTag.Test;
            n++;
        }
        return n;
    }
}
