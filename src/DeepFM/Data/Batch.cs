namespace DeepFM.Data;

/// <summary>
/// A mini-batch in the model's input form: the ids and values of <see cref="Size"/> rows of <see cref="FieldCount"/>
/// fields, and one label per row. Categorical fields carry value 1; a numeric field in "value" mode carries its value,
/// which scales that field's embedding (the paper's <c>x_j</c>).
/// <para>
/// Two layouts. <b>Fixed width</b> (the common case): exactly one entry per
/// row and field, row-major, entry <c>(r, f)</c> at <c>r·m + f</c>; <see cref="Offsets"/> is empty. <b>Jagged</b>
/// (<see cref="IsJagged"/>, for multi-valued fields such as genres or recent items): a field of a row holds zero or
/// more entries, stored one after another in row-major (row, field) order, and <see cref="Offsets"/> holds
/// <c>Size·m + 1</c> entry offsets, so slot <c>s = r·m + f</c> spans <c>[Offsets[s], Offsets[s + 1])</c> — libffm's
/// row pointers, per field; TorchRec's jagged lengths as offsets.
/// </para>
/// Buffers are allocated once and reused, so filling a batch allocates nothing.
/// </summary>
public sealed class Batch
{
    /// <summary>Creates an empty fixed-width batch able to hold <paramref name="capacity"/> rows of <paramref name="fieldCount"/> fields.</summary>
    public Batch(int capacity, int fieldCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fieldCount);
        Capacity = capacity;
        FieldCount = fieldCount;
        EntryCapacity = checked(capacity * fieldCount);
        IdBuffer = new int[EntryCapacity];
        ValueBuffer = new float[EntryCapacity];
        LabelBuffer = new float[capacity];
        OffsetBuffer = [];
    }

    /// <summary>Creates an empty jagged batch: up to <paramref name="capacity"/> rows of <paramref name="fieldCount"/>
    /// fields holding together at most <paramref name="entryCapacity"/> entries.</summary>
    public Batch(int capacity, int fieldCount, int entryCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fieldCount);
        ArgumentOutOfRangeException.ThrowIfNegative(entryCapacity);
        Capacity = capacity;
        FieldCount = fieldCount;
        IsJagged = true;
        EntryCapacity = entryCapacity;
        IdBuffer = new int[entryCapacity];
        ValueBuffer = new float[entryCapacity];
        LabelBuffer = new float[capacity];
        OffsetBuffer = new int[checked(capacity * fieldCount + 1)];
    }

    /// <summary>Most rows this batch can hold.</summary>
    public int Capacity { get; }

    /// <summary>Number of fields <c>m</c> per row.</summary>
    public int FieldCount { get; }

    /// <summary>True for the jagged layout: a field may hold any number of entries, located by <see cref="Offsets"/>.</summary>
    public bool IsJagged { get; }

    /// <summary>Entries (ids) the buffers hold now: <c>Capacity·m</c> when fixed-width; a jagged batch grows it on
    /// demand (<see cref="EnsureEntryCapacity"/>).</summary>
    public int EntryCapacity { get; private set; }

    /// <summary>Rows currently in the batch.</summary>
    public int Size { get; set; }

    /// <summary>Backing array of ids; only the first <see cref="EntryCount"/> entries are meaningful.</summary>
    public int[] IdBuffer { get; private set; }

    /// <summary>Backing array of values, parallel to <see cref="IdBuffer"/>.</summary>
    public float[] ValueBuffer { get; private set; }

    /// <summary>Backing array of labels (0 or 1).</summary>
    public float[] LabelBuffer { get; }

    /// <summary>Backing array of the jagged layout's slot offsets (<c>Capacity·m + 1</c>); empty when fixed-width.</summary>
    public int[] OffsetBuffer { get; }

    /// <summary>Entries of the current rows: <c>Size·m</c> when fixed-width, else the end offset of the last slot.</summary>
    public int EntryCount => IsJagged ? (Size == 0 ? 0 : OffsetBuffer[Size * FieldCount]) : Size * FieldCount;

    /// <summary>Global feature ids of the current rows' entries, in (row, field) order.</summary>
    public Span<int> Ids => IdBuffer.AsSpan(0, EntryCount);

    /// <summary>Feature values, parallel to <see cref="Ids"/>.</summary>
    public Span<float> Values => ValueBuffer.AsSpan(0, EntryCount);

    /// <summary>Labels of the current rows.</summary>
    public Span<float> Labels => LabelBuffer.AsSpan(0, Size);

    /// <summary>The jagged layout's <c>Size·m + 1</c> slot offsets (the first is 0); empty when fixed-width.</summary>
    public Span<int> Offsets => IsJagged ? OffsetBuffer.AsSpan(0, Size * FieldCount + 1) : [];

    /// <summary>The entries of field <paramref name="field"/> of row <paramref name="row"/>: where they start in
    /// <see cref="Ids"/> and how many there are (always one when fixed-width; zero for an empty field).</summary>
    public (int Start, int Length) Entries(int row, int field)
    {
        if ((uint)row >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(row));
        if ((uint)field >= (uint)FieldCount) throw new ArgumentOutOfRangeException(nameof(field));
        int slot = row * FieldCount + field;
        if (!IsJagged) return (slot, 1);
        int start = OffsetBuffer[slot];
        return (start, OffsetBuffer[slot + 1] - start);
    }

    /// <summary>Makes room for at least <paramref name="entries"/> entries in a jagged batch, keeping those written: the
    /// buffers at least double when they grow, so a batch that has seen its widest rows allocates no more. Fixed-width
    /// batches never need it.</summary>
    public void EnsureEntryCapacity(int entries)
    {
        if (entries <= EntryCapacity) return;
        if (!IsJagged) throw new InvalidOperationException("A fixed-width batch holds exactly Capacity × FieldCount entries.");
        int grown = (int)Math.Min(Array.MaxLength, Math.Max(entries, 2L * EntryCapacity));
        var ids = new int[grown];
        var values = new float[grown];
        IdBuffer.AsSpan(0, EntryCapacity).CopyTo(ids);
        ValueBuffer.AsSpan(0, EntryCapacity).CopyTo(values);
        (IdBuffer, ValueBuffer, EntryCapacity) = (ids, values, grown);
    }
}
