using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DeepFM.Data;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// The embedding layer of the paper's Figure 4: field <c>j</c> of a row, with global feature id <c>i</c> and value
/// <c>x</c>, becomes <c>e_j = x·V_i</c> (k numbers); the output row is <c>[e_1, …, e_m]</c> (eq. 3), <c>B × m·k</c>.
/// With <c>k = 1</c> the same layer holds the order-1 weights <c>w_i</c>. The table is a sparse parameter: backward
/// writes only the rows in the batch.
/// <para>A field with several values (a jagged <see cref="Batch"/>: genres, a user's recent items) is pooled by sum:
/// <c>e_j = Σ_t x_t·V_{i_t}</c> over the field's entries, zeros for an empty field — eq. 3 with one term per value,
/// so mean pooling is values of <c>1/n</c>. Everything above the embedding sees the same <c>B × m·k</c> output.</para>
/// </summary>
public sealed class Embedding : Module
{
    /// <summary>Creates a table of <paramref name="features"/> rows of size <paramref name="dim"/>, entries ~ N(0, σ²).</summary>
    public Embedding(int features, int dim, float initStd, Rng rng)
    {
        Dim = dim;
        Table = AddParameter("table", features, dim, sparse: true);
        var v = Table.Value;
        for (int i = 0; i < v.Length; i++) v[i] = (float)(rng.NextGaussian() * initStd);
    }

    /// <summary>Embedding size k.</summary>
    public int Dim { get; }

    /// <summary>The table V (features × k).</summary>
    public Parameter Table { get; }

    /// <summary>Looks up and scales the embeddings of every field of every row.</summary>
    public Matrix Forward(Batch batch, Workspace ws)
    {
        var state = ws.State<State>(this);
        state.Batch = batch;
        int b = batch.Size, m = batch.FieldCount, k = Dim;
        state.Output.Reshape(b, m * k);
        state.Gather.Set(this, batch, state.Output.Buffer);
        ws.Compute.For(b * m, Math.Max(1, ParallelMinElements / k), state.Gather);
        return state.Output;
    }

    /// <summary>What one workspace keeps: the batch (backward scatters into its ids) and the looked-up rows.</summary>
    private sealed class State
    {
        public Batch? Batch;
        public readonly Matrix Output = new();
        public readonly GatherJob Gather = new();
        public readonly ScatterJob Scatter = new();
        public int[] ColumnMin = [], ColumnMax = [];
    }

    /// <summary>Appends the lookup to <paramref name="graph"/>: Gather the rows of the graph's <c>ids</c>
    /// (<c>[N, m, k]</c>), scale each by its field's value, flatten to <c>[N, m·k]</c>; returns the output's name.</summary>
    public string ToOnnx(IOnnxGraph graph)
    {
        string prefix = Table.Name.EndsWith(".table", StringComparison.Ordinal) ? Table.Name[..^".table".Length] : "embedding";
        string rows = graph.Node("Gather", [graph.Parameter(Table), graph.Ids], prefix + ".lookup", OnnxAttribute.Int("axis", 0));
        string scaled = graph.Mul(rows, graph.ValuesColumn, prefix + ".scaled");
        return graph.Flatten(scaled, prefix);
    }

    /// <summary>Adds <c>x·dL/de_j</c> to the gradient rows of the looked-up features and marks them touched.</summary>
    /// <remarks>Every table row receives its contributions in batch-row order, whatever the threads: the batch's
    /// field columns are shared out between threads only when the id ranges of the columns given to different threads
    /// do not overlap (as with per-field vocabularies, where field j's ids form one block), so no table row is written
    /// by two threads; otherwise one thread walks the batch.</remarks>
    public void Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var batch = state.Batch ?? throw new InvalidOperationException("Backward before Forward.");
        int k = Dim;
        var ids = batch.Ids;
        int rows = Table.Rows;
        if (gradOutput.Span.Length < (long)batch.Size * batch.FieldCount * k) throw new ArgumentException("Gradient smaller than the last output.", nameof(gradOutput));
        foreach (int id in ids)
            if ((uint)id >= (uint)rows) throw new IndexOutOfRangeException($"Feature id {id} outside the table of {rows} rows.");
        if (Table.Touched is { } touched)
            foreach (int id in ids) touched.Add(id);   // first-touch order, before the (possibly split) scatter
        int m = batch.FieldCount;
        int parts = (long)ids.Length * k < ParallelMinElements ? 1 : Math.Min(ws.Compute.Threads, m);
        // Jagged rows scatter on one thread: their entries are not in columns of fixed stride.
        if (batch.IsJagged || (parts > 1 && !ColumnGroupsAreDisjoint(state, ids, m, parts))) parts = 1;
        state.Scatter.Set(this, batch, gradOutput.Buffer, parts);
        if (parts == 1) state.Scatter.Run(0, 1);
        else ws.Compute.For(parts, 1, state.Scatter);
    }

    /// <summary>True when, cutting the m columns into <paramref name="parts"/> contiguous groups, no id of one group
    /// lies within the [min, max] id range of a column in another group.</summary>
    private static bool ColumnGroupsAreDisjoint(State state, ReadOnlySpan<int> ids, int m, int parts)
    {
        if (state.ColumnMin.Length < m) { state.ColumnMin = new int[m]; state.ColumnMax = new int[m]; }
        var lo = state.ColumnMin.AsSpan(0, m);
        var hi = state.ColumnMax.AsSpan(0, m);
        ids[..m].CopyTo(lo);
        ids[..m].CopyTo(hi);
        for (int o = m; o < ids.Length; o += m)
        {
            var row = ids.Slice(o, m);
            for (int f = 0; f < m; f++)
            {
                int id = row[f];
                if (id < lo[f]) lo[f] = id;
                if (id > hi[f]) hi[f] = id;
            }
        }
        for (int f = 0; f < m; f++)
            for (int g = f + 1; g < m; g++)
                if (Group(f, m, parts) != Group(g, m, parts) && lo[f] <= hi[g] && lo[g] <= hi[f]) return false;
        return true;
    }

    /// <summary>The group of column <paramref name="f"/> when m columns are cut into <paramref name="parts"/> contiguous groups.</summary>
    private static int Group(int f, int m, int parts) => (int)((long)f * parts / m);

    /// <summary>Adds the gradient rows of column groups [start, end) (one group: every column) into the table gradient.</summary>
    private sealed class ScatterJob : RangeJob
    {
        private Embedding _layer = null!;
        private Batch _batch = null!;
        private float[] _grad = [];
        private int _parts;

        public void Set(Embedding layer, Batch batch, float[] grad, int parts) => (_layer, _batch, _grad, _parts) = (layer, batch, grad, parts);

        public override void Run(int start, int end)
        {
            int k = _layer.Dim, m = _batch.FieldCount, b = _batch.Size;
            // Columns of groups [start, end): group g holds columns f with f·parts/m == g.
            int f0 = (int)(((long)start * m + _parts - 1) / _parts), f1 = (int)(((long)end * m + _parts - 1) / _parts);
            var ids = _batch.Ids;
            var values = _batch.Values;
            ref float table = ref MemoryMarshal.GetArrayDataReference(_layer.Table.Grad);
            ref float g = ref MemoryMarshal.GetArrayDataReference(_grad);
            if (_batch.IsJagged)
            {
                // Every entry of slot s receives x_t · dL/de_s, in batch order.
                var offsets = _batch.Offsets;
                for (int slot = 0; slot < b * m; slot++)
                    for (int t = offsets[slot]; t < offsets[slot + 1]; t++)
                        Row(ref Unsafe.Add(ref table, (nint)ids[t] * k), ref Unsafe.Add(ref g, (nint)slot * k), k, values[t], add: true);
                return;
            }
            for (int r = 0; r < b; r++)
            {
                for (int f = f0; f < f1; f++)
                {
                    int i = r * m + f;
                    Row(ref Unsafe.Add(ref table, (nint)ids[i] * k), ref Unsafe.Add(ref g, (nint)i * k), k, values[i], add: true);
                }
            }
        }
    }

    private const int ParallelMinElements = 65536;

    /// <summary>dst[0..k) = x·src[0..k) (forward), or dst += x·src (backward).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(ref float dst, ref float src, int k, float x, bool add)
    {
        int d = 0;
        if (Vector256.IsHardwareAccelerated && k >= 8)
        {
            var vx = Vector256.Create(x);
            for (; d + 8 <= k; d += 8)
            {
                var v = Vector256.LoadUnsafe(ref src, (nuint)d) * vx;
                if (add) v += Vector256.LoadUnsafe(ref dst, (nuint)d);
                v.StoreUnsafe(ref dst, (nuint)d);
            }
        }
        for (; d < k; d++)
        {
            float v = Unsafe.Add(ref src, d) * x;
            Unsafe.Add(ref dst, d) = add ? Unsafe.Add(ref dst, d) + v : v;
        }
    }

    /// <summary>Gathers slots [start, end) of the batch (each output slot is written by one index).</summary>
    private sealed class GatherJob : RangeJob
    {
        private Embedding _layer = null!;
        private Batch _batch = null!;
        private float[] _output = [];

        public void Set(Embedding layer, Batch batch, float[] output) => (_layer, _batch, _output) = (layer, batch, output);

        public override void Run(int start, int end)
        {
            int k = _layer.Dim;
            var ids = _batch.Ids;
            var values = _batch.Values;
            ref float table = ref MemoryMarshal.GetArrayDataReference(_layer.Table.Value);
            ref float y = ref MemoryMarshal.GetArrayDataReference(_output);
            int rows = _layer.Table.Rows;
            if (_batch.IsJagged)
            {
                // Slot i (row, field) sums its entries; an empty slot is zeros.
                var offsets = _batch.Offsets;
                for (int i = start; i < end; i++)
                {
                    ref float dst = ref Unsafe.Add(ref y, (nint)i * k);
                    MemoryMarshal.CreateSpan(ref dst, k).Clear();
                    for (int t = offsets[i]; t < offsets[i + 1]; t++)
                    {
                        int id = ids[t];
                        if ((uint)id >= (uint)rows) throw new IndexOutOfRangeException($"Feature id {id} outside the table of {rows} rows.");
                        Row(ref dst, ref Unsafe.Add(ref table, (nint)id * k), k, values[t], add: true);
                    }
                }
                return;
            }
            for (int i = start; i < end; i++)
            {
                int id = ids[i];
                if ((uint)id >= (uint)rows) throw new IndexOutOfRangeException($"Feature id {id} outside the table of {rows} rows.");
                Row(ref Unsafe.Add(ref y, (nint)i * k), ref Unsafe.Add(ref table, (nint)id * k), k, values[i], add: false);
            }
        }
    }
}
