using System.Diagnostics;
using System.Numerics.Tensors;
using DeepFM.Engine;
using DeepFM.Training;

namespace DeepFM.Distributed;

/// <summary>
/// Data-parallel gradient reduction over an <see cref="ICommunicator"/> (Open MPI's world, or a group of one): each
/// rank trains its slice of every step's batch (the <see cref="Trainer"/> takes the slice from <see cref="Rank"/> and
/// <see cref="Processes"/>), then this sums the slices' gradients so every replica takes the same optimizer step.
/// </summary>
/// <remarks>
/// <para>Dense trainable parameters are packed into one buffer and summed with one all-reduce. Sparse ones (embedding
/// tables) send only their touched rows: each rank packs <c>(row id, gradient row)</c> records, an all-gather of the
/// record counts and an all-gather-v of the records give every rank every record in rank order, and each rank
/// rebuilds the gradient and the <see cref="Parameter.Touched"/> list by adding them in that order, starting from
/// zero. Every rank therefore does the same additions in the same order and holds bit-identical gradients, touched
/// rows in the same order (the norm of gradient clipping sums over them) and, after the optimizer step, bit-identical
/// parameters. (The dense sum relies on Open MPI's all-reduce giving one result on every rank, as its algorithms do:
/// each element is reduced once and the result distributed, or reduced pairwise in the same order on both sides.)</para>
/// <para>Where the ranks' touched rows together outweigh the table (<see cref="SparseExchange.Auto"/>), the table's
/// whole gradient and a mask of touched rows are all-reduced instead, which moves a fixed number of bytes per rank
/// however many ranks there are; the touched list is then the rows any rank touched, in row order.</para>
/// <para>Batch norm sums its column statistics over the ranks through this reducer as the <see cref="IBatchGroup"/>
/// (<see cref="SyncBatchNorm"/>), so its running statistics (non-trainable, never exchanged) evolve identically on
/// every rank. All buffers are kept and grown, so steady-state steps allocate nothing.</para>
/// </remarks>
public sealed class MpiGradientReducer : IGradientReducer, IBatchGroup
{
    private readonly ICommunicator _comm;
    private float[] _dense = [];
    private float[] _sendRecords = [], _records = [];
    private int[] _sparseCounts = [], _allSparseCounts = [], _recordCounts = [];
    private readonly double[] _one = new double[1];
    private readonly double[] _allOne;

    /// <summary>Creates the reducer over <paramref name="communicator"/> (which the caller keeps and disposes).</summary>
    public MpiGradientReducer(ICommunicator communicator)
    {
        _comm = communicator;
        _allOne = new double[communicator.Size];
        _recordCounts = new int[communicator.Size];
    }

    /// <summary>How embedding tables are exchanged (default: per table and step, whichever moves fewer bytes).</summary>
    public SparseExchange Exchange { get; init; } = SparseExchange.Auto;

    /// <summary>Whether batch norm uses the statistics of the whole batch, summed over the ranks (default; the
    /// single-process result), or each rank's own slice's (PyTorch DistributedDataParallel without SyncBatchNorm:
    /// running statistics then differ between ranks).</summary>
    public bool SyncBatchNorm { get; init; } = true;

    /// <inheritdoc />
    public IBatchGroup? BatchGroup => SyncBatchNorm && _comm.Size > 1 ? this : null;

    /// <inheritdoc />
    void IBatchGroup.Sum(Span<double> values) => _comm.AllReduceSum(values);

    /// <inheritdoc />
    public int Processes => _comm.Size;

    /// <inheritdoc />
    public int Rank => _comm.Rank;

    /// <summary>Size of the dense buffer the last <see cref="Reduce"/> all-reduced (for benchmarks; a ring all-reduce
    /// sends and receives about twice this per rank).</summary>
    public long LastDenseBytes { get; private set; }

    /// <summary>Bytes of sparse records this rank contributed in the last <see cref="Reduce"/>; every rank receives
    /// all ranks' records.</summary>
    public long LastSparseBytes { get; private set; }

    /// <summary>Time the last <see cref="Reduce"/> spent on dense gradients (packing, all-reduce, unpacking).</summary>
    public TimeSpan LastDenseTime { get; private set; }

    /// <summary>Time the last <see cref="Reduce"/> spent exchanging and summing sparse rows.</summary>
    public TimeSpan LastSparseTime { get; private set; }

    /// <inheritdoc />
    /// <remarks>Gathered and summed in rank order (not an all-reduce), so the sum is the same on every rank whatever
    /// algorithm MPI picks.</remarks>
    public double Sum(double value)
    {
        _one[0] = value;
        _comm.AllGather<double>(_one, _allOne);
        double sum = 0;
        for (int r = 0; r < _allOne.Length; r++) sum += _allOne[r];
        return sum;
    }

    /// <inheritdoc />
    public void GatherSlices(Span<float> all)
    {
        int size = _comm.Size, n = all.Length;
        int lo = (int)((long)n * _comm.Rank / size), hi = (int)((long)n * (_comm.Rank + 1) / size);
        for (int r = 0; r < size; r++) _recordCounts[r] = (int)((long)n * (r + 1) / size) - (int)((long)n * r / size);
        // MPI does not let the send buffer overlap the receive buffer: this rank's slice goes out from a copy.
        if (_sendRecords.Length < hi - lo) _sendRecords = new float[hi - lo];
        all[lo..hi].CopyTo(_sendRecords);
        _comm.AllGatherV<float>(_sendRecords.AsSpan(0, hi - lo), all, _recordCounts);
    }

    /// <inheritdoc />
    public void Reduce(IReadOnlyList<Parameter> parameters)
    {
        long start = Stopwatch.GetTimestamp();
        ReduceDense(parameters);
        long dense = Stopwatch.GetTimestamp();
        ReduceSparse(parameters);
        LastDenseTime = Stopwatch.GetElapsedTime(start, dense);
        LastSparseTime = Stopwatch.GetElapsedTime(dense);
    }

    private void ReduceDense(IReadOnlyList<Parameter> parameters)
    {
        long total = 0;
        for (int i = 0; i < parameters.Count; i++)
            if (parameters[i] is { IsTrainable: true, IsSparse: false } p) total += p.Grad.Length;
        if (total > int.MaxValue) throw new InvalidOperationException("Dense gradients above 2^31 numbers cannot be reduced in one message.");
        if (_dense.Length < total) _dense = new float[total];
        int at = 0;
        for (int i = 0; i < parameters.Count; i++)
            if (parameters[i] is { IsTrainable: true, IsSparse: false } p) { p.Grad.CopyTo(_dense, at); at += p.Grad.Length; }
        _comm.AllReduceSum(_dense.AsSpan(0, at));
        at = 0;
        for (int i = 0; i < parameters.Count; i++)
            if (parameters[i] is { IsTrainable: true, IsSparse: false } p) { _dense.AsSpan(at, p.Grad.Length).CopyTo(p.Grad); at += p.Grad.Length; }
        LastDenseBytes = (long)at * sizeof(float);
    }

    private void ReduceSparse(IReadOnlyList<Parameter> parameters)
    {
        int tables = 0;
        for (int i = 0; i < parameters.Count; i++)
            if (parameters[i] is { IsTrainable: true, IsSparse: true }) tables++;
        LastSparseBytes = 0;
        if (tables == 0) return;
        int size = _comm.Size;
        // One all-gather tells every rank how many rows each rank touched in each table.
        if (_sparseCounts.Length != tables) (_sparseCounts, _allSparseCounts) = (new int[tables], new int[tables * size]);
        for (int i = 0, t = 0; i < parameters.Count; i++)
            if (parameters[i] is { IsTrainable: true, IsSparse: true } p) _sparseCounts[t++] = p.Touched!.Count;
        _comm.AllGather<int>(_sparseCounts, _allSparseCounts);

        for (int i = 0, t = 0; i < parameters.Count; i++)
        {
            if (parameters[i] is not { IsTrainable: true, IsSparse: true } p) continue;
            ExchangeTable(p, t++, tables);
        }
    }

    /// <summary>All ranks' touched rows of table <paramref name="p"/> (number <paramref name="table"/> of
    /// <paramref name="tables"/>), summed in rank order into its gradient.</summary>
    private void ExchangeTable(Parameter p, int table, int tables)
    {
        var touched = p.Touched!;
        int k = p.Cols, record = k + 1, size = _comm.Size;
        long all = 0;
        for (int r = 0; r < size; r++)
        {
            long n = (long)_allSparseCounts[r * tables + table] * record;
            if (n > int.MaxValue) throw new InvalidOperationException("Too many touched rows to exchange in one message.");
            _recordCounts[r] = (int)n;
            all += n;
        }
        // Per rank, an all-gather-v receives the others' records, (N−1)/N of all of them; a ring all-reduce of the table
        // and its mask (T numbers) sends and receives 2(N−1)/N·T. So the table wins when 2T < all records. The counts are
        // the same on every rank, so every rank takes the same path.
        long tableFloats = (long)p.Rows * record;
        bool wholeTable = Exchange == SparseExchange.WholeTable
            || (Exchange == SparseExchange.Auto && 2 * tableFloats < all && tableFloats <= int.MaxValue);
        if (wholeTable)
        {
            ReduceWholeTable(p);
            return;
        }
        if (all > int.MaxValue) throw new InvalidOperationException("Too many touched rows to exchange in one message.");
        int mine = _recordCounts[_comm.Rank];
        if (_sendRecords.Length < mine) _sendRecords = new float[Math.Max(mine, _sendRecords.Length * 2)];
        if (_records.Length < all) _records = new float[Math.Max(all, _records.Length * 2L)];

        // A record is the row id (its bits, carried as a float: gathers move bytes) and the row's gradient.
        var rows = touched.Rows;
        for (int i = 0; i < rows.Length; i++)
        {
            int at = i * record;
            _sendRecords[at] = BitConverter.Int32BitsToSingle(rows[i]);
            p.GradRow(rows[i]).CopyTo(_sendRecords.AsSpan(at + 1, k));
        }
        _comm.AllGatherV<float>(_sendRecords.AsSpan(0, mine), _records.AsSpan(0, (int)all), _recordCounts);
        LastSparseBytes += (long)mine * sizeof(float);

        // Start from zero and add the ranks' rows in rank order: the same sums, in the same order, on every rank.
        for (int i = 0; i < rows.Length; i++) p.GradRow(rows[i]).Clear();
        touched.Clear();
        var records = _records.AsSpan(0, (int)all);
        for (int at = 0; at < records.Length; at += record)
        {
            int row = BitConverter.SingleToInt32Bits(records[at]);
            touched.Add(row);
            var g = p.GradRow(row);
            TensorPrimitives.Add(g, records.Slice(at + 1, k), g);
        }
    }

    /// <summary>Sums the whole gradient of table <paramref name="p"/> and a mask of its touched rows with one all-reduce
    /// (rows no rank touched have zero gradient, so they stay zero), then lists the rows any rank touched, in row order.</summary>
    private void ReduceWholeTable(Parameter p)
    {
        var touched = p.Touched!;
        int n = p.Grad.Length, rows = p.Rows;
        if (_dense.Length < n + rows) _dense = new float[n + rows];
        var buffer = _dense.AsSpan(0, n + rows);
        p.Grad.CopyTo(buffer);
        var mask = buffer[n..];
        mask.Clear();
        foreach (int r in touched.Rows) mask[r] = 1f;
        _comm.AllReduceSum(buffer);
        buffer[..n].CopyTo(p.Grad);
        touched.Clear();
        for (int r = 0; r < rows; r++)
            if (mask[r] > 0) touched.Add(r);
        LastSparseBytes += (long)(n + rows) * sizeof(float);
    }
}
