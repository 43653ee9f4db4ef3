namespace DeepFM.Engine;

/// <summary>
/// A learnable tensor (or a saved, non-learned buffer such as batch-norm running statistics), stored as a row-major
/// <c>Rows × Cols</c> matrix with a gradient of the same shape. Embedding tables are <see cref="IsSparse"/>: a batch
/// touches few of their rows, so backward passes record the rows they write in <see cref="Touched"/>, and optimizers
/// update and clear only those (lazy updates: cost per step independent of the vocabulary size).
/// </summary>
public sealed class Parameter
{
    /// <summary>Creates a zero-initialised parameter.</summary>
    public Parameter(string name, int rows, int cols, bool sparse = false, bool trainable = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        Name = name;
        Rows = rows;
        Cols = cols;
        Value = new float[(long)rows * cols];
        Grad = trainable ? new float[Value.Length] : [];
        IsTrainable = trainable;
        Touched = sparse ? new TouchedRows(rows) : null;
    }

    /// <summary>Name, unique within a model (e.g. <c>dnn.0.weight</c>); set when the owning module is registered.</summary>
    public string Name { get; internal set; }

    /// <summary>Rows (for a table: features; for a weight: inputs).</summary>
    public int Rows { get; }

    /// <summary>Columns (for a table: embedding size; for a weight: outputs).</summary>
    public int Cols { get; }

    /// <summary>Current values.</summary>
    public float[] Value { get; }

    /// <summary>Gradient accumulated by backward passes since the last optimizer step.</summary>
    public float[] Grad { get; }

    /// <summary>False for buffers that are saved with the model but not learned (batch-norm statistics).</summary>
    public bool IsTrainable { get; }

    /// <summary>True for embedding tables updated lazily, row by row.</summary>
    public bool IsSparse => Touched is not null;

    /// <summary>Rows written by backward passes since the last step (sparse parameters only).</summary>
    public TouchedRows? Touched { get; private set; }

    /// <summary>Turns a sparse table into a dense parameter: every row is then updated (and regularised) at every
    /// step, as with PyTorch's dense embedding gradients.</summary>
    public void MakeDense() => Touched = null;

    /// <summary>L2 regularisation coefficient λ: the optimizer adds <c>λ·w</c> to the gradient of every row it updates
    /// (for sparse parameters, only the rows in the batch, as in lazy Adam/FTRL implementations).</summary>
    public float L2 { get; set; }

    /// <summary>Number of scalars.</summary>
    public long Count => Value.LongLength;

    /// <summary>One row of the values.</summary>
    public Span<float> ValueRow(int row) => Value.AsSpan(row * Cols, Cols);

    /// <summary>One row of the gradient.</summary>
    public Span<float> GradRow(int row) => Grad.AsSpan(row * Cols, Cols);

    /// <summary>Clears the gradient: touched rows only for sparse parameters, everything otherwise.</summary>
    public void ZeroGrad()
    {
        if (!IsTrainable) return;
        if (Touched is { } t)
        {
            foreach (int r in t.Rows) GradRow(r).Clear();
            t.Clear();
        }
        else
        {
            Array.Clear(Grad);
        }
    }
}
