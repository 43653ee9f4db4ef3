namespace DeepFM.Preparation;

/// <summary>A source of encoded rows for <see cref="CacheWriter.Write"/>, a chunk at a time.</summary>
internal interface IRowChunks
{
    /// <summary>
    /// Fills up to <c>labels.Length</c> rows (ids and values row-major, <c>m</c> per row) and returns how many; 0 at
    /// the end. Values left untouched stay as the caller set them (1).
    /// </summary>
    int Read(int[] ids, float[] values, float[] labels, byte[] tags);
}
