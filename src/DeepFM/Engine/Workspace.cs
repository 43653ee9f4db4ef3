namespace DeepFM.Engine;

/// <summary>
/// What one caller's forward and backward passes write: every layer's activations, saved inputs, masks and per-call
/// jobs live here, keyed by the layer, while the parameters stay in the (shared) layers. Two workspaces can run the
/// same model at once — serving workers share one copy of the weights, each with its own workspace. A workspace is
/// for one thread at a time; its buffers only grow, so steady-state passes allocate nothing.
/// </summary>
public sealed class Workspace
{
    private readonly Dictionary<object, object> _states = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates a workspace for training (dropout active, batch norm on batch statistics) or evaluation.</summary>
    public Workspace(bool isTraining, ComputeContext? compute = null)
    {
        IsTraining = isTraining;
        Compute = compute ?? ComputeContext.Default;
    }

    /// <summary>True for training passes; false for evaluation and prediction.</summary>
    public bool IsTraining { get; }

    /// <summary>Threads and kernel settings the passes run with.</summary>
    public ComputeContext Compute { get; }

    /// <summary>The training step the next pass belongs to (the trainer sets it); random layers derive their draws
    /// from it and their seed, so a resumed run draws what the uninterrupted run would have drawn.</summary>
    public long Step { get; set; }

    /// <summary>Position of the batch's first row within the step's global batch (non-zero when several processes
    /// share a step): per-row draws key on it, so a split batch sees the masks of the whole one.</summary>
    public long RowOffset { get; set; }

    /// <summary>The processes sharing this training step's batch, set by the trainer when every one of them has rows
    /// in it; null when this pass sees the whole batch. Batch statistics are then summed over the group.</summary>
    public IBatchGroup? BatchGroup { get; set; }

    /// <summary>Rows of the step's whole batch, over all of <see cref="BatchGroup"/> (read only when that is set).</summary>
    public int BatchRows { get; set; }

    /// <summary>The state <paramref name="owner"/> keeps in this workspace, created on first use.</summary>
    public T State<T>(object owner) where T : class, new()
    {
        if (_states.TryGetValue(owner, out var state)) return (T)state;
        var created = new T();
        _states.Add(owner, created);
        return created;
    }

    /// <summary>Forgets every layer's state (buffers are freed with it).</summary>
    public void Clear() => _states.Clear();
}
