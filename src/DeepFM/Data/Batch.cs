namespace DeepFM.Data;

/// <summary>
/// A mini-batch in the model's input form: for each of <see cref="Size"/> rows, one global feature id and one value
/// per field (row-major, <c>Size × FieldCount</c>), and one label. Categorical fields carry value 1; a numeric field
/// in "value" mode carries its value, which scales that field's embedding (the paper's <c>x_j</c>).
/// Buffers are allocated once for <see cref="Capacity"/> rows and reused, so filling a batch allocates nothing.
/// </summary>
public sealed class Batch
{
    /// <summary>Creates an empty batch able to hold <paramref name="capacity"/> rows of <paramref name="fieldCount"/> fields.</summary>
    public Batch(int capacity, int fieldCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fieldCount);
        Capacity = capacity;
        FieldCount = fieldCount;
        IdBuffer = new int[capacity * fieldCount];
        ValueBuffer = new float[capacity * fieldCount];
        LabelBuffer = new float[capacity];
    }

    /// <summary>Most rows this batch can hold.</summary>
    public int Capacity { get; }

    /// <summary>Number of fields <c>m</c> per row.</summary>
    public int FieldCount { get; }

    /// <summary>Rows currently in the batch.</summary>
    public int Size { get; set; }

    /// <summary>Backing array of ids; only the first <c>Size × FieldCount</c> entries are meaningful.</summary>
    public int[] IdBuffer { get; }

    /// <summary>Backing array of values, parallel to <see cref="IdBuffer"/>.</summary>
    public float[] ValueBuffer { get; }

    /// <summary>Backing array of labels (0 or 1).</summary>
    public float[] LabelBuffer { get; }

    /// <summary>Global feature ids of the current rows, row-major.</summary>
    public Span<int> Ids => IdBuffer.AsSpan(0, Size * FieldCount);

    /// <summary>Feature values of the current rows, row-major.</summary>
    public Span<float> Values => ValueBuffer.AsSpan(0, Size * FieldCount);

    /// <summary>Labels of the current rows.</summary>
    public Span<float> Labels => LabelBuffer.AsSpan(0, Size);
}
