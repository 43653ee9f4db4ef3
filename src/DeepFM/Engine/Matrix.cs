namespace DeepFM.Engine;

/// <summary>
/// A row-major <c>Rows × Cols</c> float matrix over a reusable buffer. Layers own their output and input-gradient
/// matrices and reshape them per batch; the buffer only ever grows, so steady-state training allocates nothing.
/// </summary>
public sealed class Matrix
{
    private float[] _data;

    /// <summary>Creates a matrix of the given shape, zero-filled.</summary>
    public Matrix(int rows = 0, int cols = 0)
    {
        _data = new float[Math.Max(1, Elements(rows, cols))];
        Rows = rows;
        Cols = cols;
    }

    /// <summary>Number of rows (the batch dimension for activations).</summary>
    public int Rows { get; private set; }

    /// <summary>Number of columns.</summary>
    public int Cols { get; private set; }

    /// <summary>The backing buffer; may be longer than <c>Rows × Cols</c>.</summary>
    public float[] Buffer => _data;

    /// <summary>The <c>Rows × Cols</c> elements.</summary>
    public Span<float> Span => _data.AsSpan(0, Rows * Cols);

    /// <summary>One row.</summary>
    public Span<float> Row(int r) => _data.AsSpan(r * Cols, Cols);

    /// <summary>Element accessor (for tests and non-hot code).</summary>
    public float this[int r, int c]
    {
        get => _data[r * Cols + c];
        set => _data[r * Cols + c] = value;
    }

    /// <summary>Sets the shape, growing the buffer if needed. Contents are unspecified afterwards.</summary>
    public Matrix Reshape(int rows, int cols)
    {
        int need = Elements(rows, cols);
        if (need > _data.Length) _data = new float[need];
        Rows = rows;
        Cols = cols;
        return this;
    }

    /// <summary>rows × cols, checked: a product past one array's length (or negative) throws instead of wrapping
    /// around to a small buffer that unsafe kernels would then write past.</summary>
    private static int Elements(int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        long n = (long)rows * cols;
        if (n > Array.MaxLength)
            throw new InvalidOperationException($"A {rows:N0} × {cols:N0} matrix ({n:N0} numbers) exceeds the largest array ({Array.MaxLength:N0}).");
        return (int)n;
    }

    /// <summary>Sets the shape and zeroes the elements.</summary>
    public Matrix ReshapeZeroed(int rows, int cols)
    {
        Reshape(rows, cols);
        Span.Clear();
        return this;
    }
}
