using System.Numerics;
using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// Batch normalisation over the batch dimension (Ioffe &amp; Szegedy 2015): <c>y = γ·(x−μ_B)/√(σ²_B+ε) + β</c> in training,
/// with running statistics (momentum 0.1, unbiased variance, as PyTorch) used in evaluation. The running statistics
/// are saved with the model as non-trainable parameters. In data-parallel training (<see cref="Workspace.BatchGroup"/>
/// set) the batch statistics and the input gradient's means are those of the step's whole batch, summed from the
/// processes' slices (as PyTorch's SyncBatchNorm), so every process normalises, and keeps running statistics, as one
/// process would.
/// </summary>
public sealed class BatchNorm : Layer
{
    private const float Epsilon = 1e-5f;
    private const float Momentum = 0.1f;

    /// <summary>Creates the layer for <paramref name="features"/> columns.</summary>
    public BatchNorm(int features)
    {
        Features = features;
        Gamma = AddParameter("gamma", 1, features);
        Beta = AddParameter("beta", 1, features);
        RunningMean = AddParameter("running_mean", 1, features, trainable: false);
        RunningVar = AddParameter("running_var", 1, features, trainable: false);
        Array.Fill(Gamma.Value, 1f);
        Array.Fill(RunningVar.Value, 1f);
    }

    /// <summary>Number of normalised columns.</summary>
    public int Features { get; }

    /// <summary>Scale γ.</summary>
    public Parameter Gamma { get; }

    /// <summary>Shift β.</summary>
    public Parameter Beta { get; }

    /// <summary>Running mean used in evaluation.</summary>
    public Parameter RunningMean { get; }

    /// <summary>Running (unbiased) variance used in evaluation.</summary>
    public Parameter RunningVar { get; }

    /// <inheritdoc />
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        if (input.Cols != Features) throw new ArgumentException($"BatchNorm expects {Features} columns, got {input.Cols}.");
        var state = ws.State<State>(this);
        state.Ensure(Features);
        // Data-parallel training: the statistics of the step's whole batch, from the slices' partial sums.
        var group = ws.IsTraining ? ws.BatchGroup : null;
        int rows = group is null ? input.Rows : ws.BatchRows;
        state.BatchStatistics = ws.IsTraining && rows >= 2;
        state.Group = state.BatchStatistics ? group : null;
        state.Rows = rows;
        int b = input.Rows, f = Features;
        state.Output.Reshape(b, f);
        state.Normalized.Reshape(b, f);
        var invStd = state.InvStd;
        var job = state.Job;
        if (!state.BatchStatistics)
        {
            var rm = RunningMean.Value;
            var rv = RunningVar.Value;
            for (int j = 0; j < f; j++)
            {
                invStd[j] = 1f / MathF.Sqrt(rv[j] + Epsilon);
                state.Mean[j] = rm[j];
            }
            job.Set(JobKind.NormalizeRunning, this, state, input.Buffer, b);
            ws.Compute.For(b, RowsPerPart, job);
            return state.Output;
        }

        // Column moments: each column's sums run over the rows in order (double accumulators, as a scalar loop would),
        // column blocks split across threads, so the result does not depend on the thread count.
        if (state.Group is { } shared)
        {
            // Σx over the slices → the mean; then Σ(x − mean)² over the slices (the same two passes as Moments).
            job.Set(JobKind.ColumnSums, this, state, input.Buffer, b);
            ws.Compute.For(Blocks, ColumnBlocksPerPart(b), job);
            shared.Sum(state.Mean);
            for (int j = 0; j < f; j++) state.Mean[j] /= rows;
            job.Set(JobKind.CenteredSquares, this, state, input.Buffer, b);
            ws.Compute.For(Blocks, ColumnBlocksPerPart(b), job);
            shared.Sum(state.Var);
        }
        else
        {
            job.Set(JobKind.Moments, this, state, input.Buffer, b);
            ws.Compute.For(Blocks, ColumnBlocksPerPart(b), job);
        }
        var runMean = RunningMean.Value;
        var runVar = RunningVar.Value;
        var mean = state.Mean;
        var var = state.Var;
        for (int j = 0; j < f; j++)
        {
            double biased = var[j] / rows;
            invStd[j] = (float)(1.0 / Math.Sqrt(biased + Epsilon));
            runMean[j] = (1 - Momentum) * runMean[j] + Momentum * (float)mean[j];
            runVar[j] = (1 - Momentum) * runVar[j] + Momentum * (float)(var[j] / (rows - 1));
        }
        job.Set(JobKind.NormalizeBatch, this, state, input.Buffer, b);
        ws.Compute.For(b, RowsPerPart, job);
        return state.Output;
    }

    /// <summary>Columns per block of the column reductions: two vectors, so one row of a block is one cache line.</summary>
    private static int Block => 2 * Vector<float>.Count;

    private int Blocks => (Features + Block - 1) / Block;

    private int RowsPerPart => Math.Max(1, Activation.ParallelMinElements / Features);

    /// <summary>Column blocks per part: all of them (one thread) for small batches.</summary>
    private int ColumnBlocksPerPart(int rows) => (long)rows * Features < Activation.ParallelMinElements ? Blocks : 1;

    /// <summary>What one workspace keeps: <c>x̂</c> and <c>1/σ</c> of the last pass (backward needs both), whether it
    /// normalised with batch or running statistics, the column sums, and the reusable job.</summary>
    private sealed class State
    {
        public bool BatchStatistics;
        public IBatchGroup? Group;   // set when the batch statistics are the group's
        public int Rows;             // rows the statistics are over (the whole batch's when shared)
        public double[] Shared = [];  // Σdy and Σdy·x̂ side by side, summed over the group in one call
        public float[] InvStd = [];
        public double[] Mean = [], Var = [], SumDy = [], SumDyXhat = [];
        public float[] GammaInvStd = [];
        public readonly Matrix Normalized = new();
        public readonly Matrix Output = new();
        public readonly Matrix GradInput = new();
        public readonly Job Job = new();

        public void Ensure(int f)
        {
            if (InvStd.Length == f) return;
            InvStd = new float[f];
            GammaInvStd = new float[f];
            Mean = new double[f];
            Var = new double[f];
            SumDy = new double[f];
            SumDyXhat = new double[f];
            Shared = new double[2 * f];
        }
    }

    private enum JobKind { Moments, ColumnSums, CenteredSquares, NormalizeBatch, NormalizeRunning, GradSums, GradInput }

    /// <summary>The layer's passes, as ranges of column blocks (reductions) or rows (element-wise), vectorised with the
    /// same operations in the same order as the scalar formulas (widened to double where those are double), so the
    /// results are those of a plain loop.</summary>
    private sealed class Job : RangeJob
    {
        private JobKind _kind;
        private BatchNorm _layer = null!;
        private State _state = null!;
        private float[] _a = [];
        private int _rows;

        /// <summary>Sets the pass, its input array <paramref name="a"/> (x forward, dy backward) and the batch's rows.</summary>
        public void Set(JobKind kind, BatchNorm layer, State state, float[] a, int rows) =>
            (_kind, _layer, _state, _a, _rows) = (kind, layer, state, a, rows);

        public override void Run(int start, int end)
        {
            switch (_kind)
            {
                case JobKind.Moments: Moments(start, end); break;
                case JobKind.ColumnSums: ColumnSums(start, end); break;
                case JobKind.CenteredSquares: CenteredSquares(start, end); break;
                case JobKind.GradSums: GradSums(start, end); break;
                case JobKind.NormalizeBatch: NormalizeBatch(start, end); break;
                case JobKind.NormalizeRunning: NormalizeRunning(start, end); break;
                case JobKind.GradInput: GradInput(start, end); break;
            }
        }

        private (int C0, int C1) Columns(int start, int end) => (start * Block, Math.Min(_layer.Features, end * Block));

        /// <summary>mean = Σx / b, then var = Σ(x − mean)² (not yet divided), for the columns of blocks [start, end).</summary>
        private void Moments(int start, int end)
        {
            int f = _layer.Features, b = _rows, vf = Vector<float>.Count, vd = Vector<double>.Count;
            var x = _a;
            var mean = _state.Mean;
            var var = _state.Var;
            var (c0, c1) = Columns(start, end);
            int j = c0;
            for (; j + vf <= c1; j += vf)
            {
                Vector<double> s0 = Vector<double>.Zero, s1 = Vector<double>.Zero;
                for (int r = 0; r < b; r++)
                {
                    Vector.Widen(new Vector<float>(x, r * f + j), out var lo, out var hi);
                    s0 += lo;
                    s1 += hi;
                }
                var m0 = s0 / new Vector<double>(b);
                var m1 = s1 / new Vector<double>(b);
                m0.CopyTo(mean, j);
                m1.CopyTo(mean, j + vd);
                Vector<double> q0 = Vector<double>.Zero, q1 = Vector<double>.Zero;
                for (int r = 0; r < b; r++)
                {
                    Vector.Widen(new Vector<float>(x, r * f + j), out var lo, out var hi);
                    var d0 = lo - m0;
                    var d1 = hi - m1;
                    q0 += d0 * d0;
                    q1 += d1 * d1;
                }
                q0.CopyTo(var, j);
                q1.CopyTo(var, j + vd);
            }
            for (; j < c1; j++)
            {
                double s = 0;
                for (int r = 0; r < b; r++) s += x[r * f + j];
                double m = s / b;
                mean[j] = m;
                double q = 0;
                for (int r = 0; r < b; r++)
                {
                    double d = x[r * f + j] - m;
                    q += d * d;
                }
                var[j] = q;
            }
        }

        /// <summary>Σx (not divided) into the means, for the columns of blocks [start, end): a slice's share of the
        /// whole batch's sums.</summary>
        private void ColumnSums(int start, int end)
        {
            int f = _layer.Features, b = _rows, vf = Vector<float>.Count, vd = Vector<double>.Count;
            var x = _a;
            var mean = _state.Mean;
            var (c0, c1) = Columns(start, end);
            int j = c0;
            for (; j + vf <= c1; j += vf)
            {
                Vector<double> s0 = Vector<double>.Zero, s1 = Vector<double>.Zero;
                for (int r = 0; r < b; r++)
                {
                    Vector.Widen(new Vector<float>(x, r * f + j), out var lo, out var hi);
                    s0 += lo;
                    s1 += hi;
                }
                s0.CopyTo(mean, j);
                s1.CopyTo(mean, j + vd);
            }
            for (; j < c1; j++)
            {
                double s = 0;
                for (int r = 0; r < b; r++) s += x[r * f + j];
                mean[j] = s;
            }
        }

        /// <summary>Σ(x − mean)² (not divided) around the given means, for the columns of blocks [start, end).</summary>
        private void CenteredSquares(int start, int end)
        {
            int f = _layer.Features, b = _rows, vf = Vector<float>.Count, vd = Vector<double>.Count;
            var x = _a;
            var mean = _state.Mean;
            var var = _state.Var;
            var (c0, c1) = Columns(start, end);
            int j = c0;
            for (; j + vf <= c1; j += vf)
            {
                var m0 = new Vector<double>(mean, j);
                var m1 = new Vector<double>(mean, j + vd);
                Vector<double> q0 = Vector<double>.Zero, q1 = Vector<double>.Zero;
                for (int r = 0; r < b; r++)
                {
                    Vector.Widen(new Vector<float>(x, r * f + j), out var lo, out var hi);
                    var d0 = lo - m0;
                    var d1 = hi - m1;
                    q0 += d0 * d0;
                    q1 += d1 * d1;
                }
                q0.CopyTo(var, j);
                q1.CopyTo(var, j + vd);
            }
            for (; j < c1; j++)
            {
                double q = 0;
                for (int r = 0; r < b; r++)
                {
                    double d = x[r * f + j] - mean[j];
                    q += d * d;
                }
                var[j] = q;
            }
        }

        /// <summary>x̂ = (float)(x − mean)·(1/σ), y = γ·x̂ + β for rows [start, end).</summary>
        private void NormalizeBatch(int start, int end)
        {
            int f = _layer.Features, vf = Vector<float>.Count, vd = Vector<double>.Count;
            var x = _a;
            var xhat = _state.Normalized.Buffer;
            var y = _state.Output.Buffer;
            var mean = _state.Mean;
            var invStd = _state.InvStd;
            var gamma = _layer.Gamma.Value;
            var beta = _layer.Beta.Value;
            for (int r = start; r < end; r++)
            {
                int o = r * f, j = 0;
                for (; j + vf <= f; j += vf)
                {
                    Vector.Widen(new Vector<float>(x, o + j), out var lo, out var hi);
                    var centered = Vector.Narrow(lo - new Vector<double>(mean, j), hi - new Vector<double>(mean, j + vd));
                    var n = centered * new Vector<float>(invStd, j);
                    n.CopyTo(xhat, o + j);
                    (new Vector<float>(gamma, j) * n + new Vector<float>(beta, j)).CopyTo(y, o + j);
                }
                for (; j < f; j++)
                {
                    float n = (float)(x[o + j] - mean[j]) * invStd[j];
                    xhat[o + j] = n;
                    y[o + j] = gamma[j] * n + beta[j];
                }
            }
        }

        /// <summary>Evaluation: x̂ = (x − running mean)·(1/σ), y = γ·x̂ + β, in float, for rows [start, end).</summary>
        private void NormalizeRunning(int start, int end)
        {
            int f = _layer.Features, vf = Vector<float>.Count;
            var x = _a;
            var xhat = _state.Normalized.Buffer;
            var y = _state.Output.Buffer;
            var rm = _layer.RunningMean.Value;
            var invStd = _state.InvStd;
            var gamma = _layer.Gamma.Value;
            var beta = _layer.Beta.Value;
            for (int r = start; r < end; r++)
            {
                int o = r * f, j = 0;
                for (; j + vf <= f; j += vf)
                {
                    var n = (new Vector<float>(x, o + j) - new Vector<float>(rm, j)) * new Vector<float>(invStd, j);
                    n.CopyTo(xhat, o + j);
                    (new Vector<float>(gamma, j) * n + new Vector<float>(beta, j)).CopyTo(y, o + j);
                }
                for (; j < f; j++)
                {
                    float n = (x[o + j] - rm[j]) * invStd[j];
                    xhat[o + j] = n;
                    y[o + j] = gamma[j] * n + beta[j];
                }
            }
        }

        /// <summary>Σ dy and Σ dy·x̂ (the product in float, summed in double) for the columns of blocks [start, end).</summary>
        private void GradSums(int start, int end)
        {
            int f = _layer.Features, b = _rows, vf = Vector<float>.Count, vd = Vector<double>.Count;
            var dy = _a;
            var xhat = _state.Normalized.Buffer;
            var sumDy = _state.SumDy;
            var sumDyXhat = _state.SumDyXhat;
            var (c0, c1) = Columns(start, end);
            int j = c0;
            for (; j + vf <= c1; j += vf)
            {
                Vector<double> s0 = Vector<double>.Zero, s1 = Vector<double>.Zero, p0 = Vector<double>.Zero, p1 = Vector<double>.Zero;
                for (int r = 0; r < b; r++)
                {
                    var g = new Vector<float>(dy, r * f + j);
                    Vector.Widen(g, out var glo, out var ghi);
                    s0 += glo;
                    s1 += ghi;
                    Vector.Widen(g * new Vector<float>(xhat, r * f + j), out var plo, out var phi);
                    p0 += plo;
                    p1 += phi;
                }
                s0.CopyTo(sumDy, j);
                s1.CopyTo(sumDy, j + vd);
                p0.CopyTo(sumDyXhat, j);
                p1.CopyTo(sumDyXhat, j + vd);
            }
            for (; j < c1; j++)
            {
                double s = 0, p = 0;
                for (int r = 0; r < b; r++)
                {
                    float g = dy[r * f + j];
                    s += g;
                    p += g * xhat[r * f + j];
                }
                sumDy[j] = s;
                sumDyXhat[j] = p;
            }
        }

        /// <summary>dx = γ/σ · (float)(dy − Σdy/b − x̂·Σ(dy·x̂)/b) for rows [start, end); with running statistics
        /// (constants) dx = dy·γ/σ.</summary>
        private void GradInput(int start, int end)
        {
            int f = _layer.Features, b = _rows, vf = Vector<float>.Count, vd = Vector<double>.Count;
            var dy = _a;
            var dx = _state.GradInput.Buffer;
            var xhat = _state.Normalized.Buffer;
            var gi = _state.GammaInvStd;
            var m1 = _state.SumDy;        // already divided by b
            var m2 = _state.SumDyXhat;    // already divided by b
            bool batch = _state.BatchStatistics;
            for (int r = start; r < end; r++)
            {
                int o = r * f, j = 0;
                if (!batch)
                {
                    for (; j + vf <= f; j += vf) (new Vector<float>(dy, o + j) * new Vector<float>(gi, j)).CopyTo(dx, o + j);
                    for (; j < f; j++) dx[o + j] = dy[o + j] * gi[j];
                    continue;
                }
                for (; j + vf <= f; j += vf)
                {
                    Vector.Widen(new Vector<float>(dy, o + j), out var glo, out var ghi);
                    Vector.Widen(new Vector<float>(xhat, o + j), out var xlo, out var xhi);
                    var lo = glo - new Vector<double>(m1, j) - xlo * new Vector<double>(m2, j);
                    var hi = ghi - new Vector<double>(m1, j + vd) - xhi * new Vector<double>(m2, j + vd);
                    (new Vector<float>(gi, j) * Vector.Narrow(lo, hi)).CopyTo(dx, o + j);
                }
                for (; j < f; j++)
                    dx[o + j] = gi[j] * (float)(dy[o + j] - m1[j] - xhat[o + j] * m2[j]);
            }
        }
    }

    /// <summary>ONNX BatchNormalization in inference mode: <c>γ(x − running_mean)/√(running_var + ε) + β</c>, the
    /// evaluation branch of <see cref="Forward"/>. Its per-channel inputs are 1-D, so the <c>1 × F</c> parameters are
    /// stored as <c>[F]</c>.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        string prefix = Gamma.Name.EndsWith(".gamma", StringComparison.Ordinal) ? Gamma.Name[..^".gamma".Length] : "batch_norm";
        return graph.Node("BatchNormalization",
            [input, graph.Parameter(Gamma, Features), graph.Parameter(Beta, Features), graph.Parameter(RunningMean, Features), graph.Parameter(RunningVar, Features)],
            prefix + ".batch_norm", OnnxAttribute.Float("epsilon", Epsilon));
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        int b = gradOutput.Rows, f = Features;
        state.GradInput.Reshape(b, f);
        var gamma = Gamma.Value;
        for (int j = 0; j < f; j++) state.GammaInvStd[j] = gamma[j] * state.InvStd[j];
        var job = state.Job;
        // Σdy and Σdy·x̂ per column, whichever statistics were used: γ and β's gradients need them in both cases.
        job.Set(JobKind.GradSums, this, state, gradOutput.Buffer, b);
        ws.Compute.For(Blocks, ColumnBlocksPerPart(b), job);
        var dGamma = Gamma.Grad;
        var dBeta = Beta.Grad;
        var sumDy = state.SumDy;
        var sumDyXhat = state.SumDyXhat;
        for (int j = 0; j < f; j++)
        {
            dGamma[j] += (float)sumDyXhat[j];   // this slice's share; the gradient reducer adds the slices'
            dBeta[j] += (float)sumDy[j];
        }
        int rows = state.BatchStatistics ? state.Rows : b;
        if (state.Group is { } shared)
        {
            // The input gradient subtracts the whole batch's means of dy and dy·x̂: sum the slices' sums (one call).
            sumDy.CopyTo(state.Shared, 0);
            sumDyXhat.CopyTo(state.Shared, f);
            shared.Sum(state.Shared);
            state.Shared.AsSpan(0, f).CopyTo(sumDy);
            state.Shared.AsSpan(f, f).CopyTo(sumDyXhat);
        }
        for (int j = 0; j < f; j++)
        {
            sumDy[j] /= rows;       // the means the input gradient subtracts
            sumDyXhat[j] /= rows;
        }
        // Batch statistics: dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)); running statistics are constants: dx = dy·γ/σ.
        job.Set(JobKind.GradInput, this, state, gradOutput.Buffer, b);
        ws.Compute.For(b, RowsPerPart, job);
        return state.GradInput;
    }
}
