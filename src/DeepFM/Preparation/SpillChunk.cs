namespace DeepFM.Preparation;

/// <summary>Pass 1's buffer of up to <see cref="DataPipeline.ChunkRows"/> rows: labels, tags, slots (m per row), spilled values (k per row).</summary>
internal sealed class SpillChunk(int fields, int valueFields)
{
    public readonly float[] Labels = new float[DataPipeline.ChunkRows];
    public readonly byte[] Tags = new byte[DataPipeline.ChunkRows];
    public readonly int[] Slots = new int[DataPipeline.ChunkRows * fields];
    public readonly float[] Values = new float[DataPipeline.ChunkRows * valueFields];
}
