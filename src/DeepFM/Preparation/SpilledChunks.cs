namespace DeepFM.Preparation;

/// <summary>Replays a <see cref="SlotSpill"/>, translating slots to global ids: no text parsing.</summary>
internal sealed class SpilledChunks : IRowChunks
{
    private readonly SlotSpill _spill;
    private readonly int[][] _slotIds;
    private readonly int[] _valueFields;
    private readonly float[] _spilledValues;

    public SpilledChunks(SlotSpill spill, int[][] slotIds, int[] valueFields)
    {
        _spill = spill;
        _slotIds = slotIds;
        _valueFields = valueFields;
        _spilledValues = new float[DataPipeline.ChunkRows * valueFields.Length];
        spill.Rewind();
    }

    public int Read(int[] ids, float[] values, float[] labels, byte[] tags)
    {
        int m = _slotIds.Length, k = _valueFields.Length;
        int n = _spill.Read(labels, tags, _slotIds, ids, _spilledValues);
        for (int j = 0; j < k; j++)
        {
            int f = _valueFields[j];
            for (int r = 0; r < n; r++) values[r * m + f] = _spilledValues[r * k + j];
        }
        return n;
    }
}
