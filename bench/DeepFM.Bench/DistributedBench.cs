using System.Diagnostics;
using System.Globalization;
using DeepFM.Distributed;
using DeepFM.Engine;
using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Bench;

/// <summary>
/// One data-parallel DeepFM step at the paper's settings (k 10, 400-400-400, dropout 0.5, Criteo-shaped batches of
/// 39 fields), run under mpirun: compute (forward, loss, backward), the dense all-reduce, the sparse exchange of
/// touched embedding rows (bytes and time), and the optimizer, medians over repetitions; then a scaling model for
/// N = 2 … 64 ranks on 10 and 25 Gbit/s built from those measurements.
/// </summary>
internal static class DistributedBench
{
    public static int Run(string[] args)
    {
        int reps = 30, batchSize = 4096, features = 58_763;
        var update = EmbeddingUpdate.Lazy;
        var exchange = SparseExchange.Auto;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--reps": reps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--batch": batchSize = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--features": features = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--embedding-update": update = Enum.Parse<EmbeddingUpdate>(args[++i], ignoreCase: true); break;
                case "--exchange": exchange = Enum.Parse<SparseExchange>(args[++i], ignoreCase: true); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        using var comm = MpiCommunicator.Open();
        const int fields = 39;
        var config = new ModelConfig { Model = "deepfm", EmbeddingSize = 10, Hidden = [400, 400, 400], Dropout = 0.5f, BatchNorm = false, EmbeddingUpdate = update, Seed = 1 };
        var model = ModelRegistry.Create(config, new FeatureSpace(fields, features));
        var parameters = model.Parameters();
        var optimizer = Optimizer.Create("adam", 1e-3f);
        var reducer = new MpiGradientReducer(comm) { Exchange = exchange };
        // The host's cores shared among the ranks on it, as deepfm train does.
        int local = int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), CultureInfo.InvariantCulture, out int l) ? l : 1;
        var ws = new Workspace(isTraining: true, ComputeContext.Default.WithThreads(Math.Max(1, Environment.ProcessorCount / local)));
        var batch = new DeepFM.Data.Batch(batchSize, fields) { Size = batchSize };
        var rng = new Rng(11 + (ulong)comm.Rank);   // each rank its own rows
        int perField = features / fields;
        for (int i = 0; i < batchSize * fields; i++)
        {
            float u = rng.NextFloat();   // skewed ids per field, like real logs: a few values take most rows
            batch.IdBuffer[i] = i % fields * perField + (int)(perField * u * u * u);
            batch.ValueBuffer[i] = 1f;
        }
        for (int i = 0; i < batchSize; i++) batch.LabelBuffer[i] = rng.NextFloat() < 0.25f ? 1f : 0f;
        var grad = new Matrix(batchSize, 1);
        List<double> compute = [], dense = [], sparse = [], step = [];
        long sparseBytes = 0, touchedRows = 0;
        for (int r = 0; r < reps + 3; r++)
        {
            long s0 = Stopwatch.GetTimestamp();
            ws.Step = r;
            ws.RowOffset = (long)comm.Rank * batchSize;
            var logits = model.Forward(batch, ws);
            SigmoidCrossEntropy.ComputeSum(logits.Span, batch.Labels, grad.Span, batchSize * comm.Size);
            model.Backward(grad, ws);
            long s1 = Stopwatch.GetTimestamp();
            comm.Barrier();   // so the reduce times exclude waiting for a slower rank's compute
            touchedRows = parameters.Where(p => p.IsSparse && p.IsTrainable).Sum(p => (long)p.Touched!.Count);
            reducer.Reduce(parameters);
            optimizer.BatchRows = batchSize * comm.Size;
            optimizer.Step(parameters, ws.Compute);
            if (r < 3) continue;
            compute.Add(Stopwatch.GetElapsedTime(s0, s1).TotalMilliseconds);
            dense.Add(reducer.LastDenseTime.TotalMilliseconds);
            sparse.Add(reducer.LastSparseTime.TotalMilliseconds);
            step.Add(Stopwatch.GetElapsedTime(s0).TotalMilliseconds);
            sparseBytes = reducer.LastSparseBytes;
        }
        // Rank 0 reports the slowest rank's medians (a step waits for the slowest).
        double[] medians = [Median(compute), Median(dense), Median(sparse), Median(step)];
        var all = new double[medians.Length * comm.Size];
        comm.AllGather<double>(medians, all);
        if (comm.Rank != 0) return 0;
        double Max(int k) => Enumerable.Range(0, comm.Size).Max(r => all[r * medians.Length + k]);
        double tCompute = Max(0), tDense = Max(1), tSparse = Max(2), tStep = Max(3);
        long denseBytes = reducer.LastDenseBytes;
        Console.WriteLine($"deepfm, {fields} fields, {features:N0} features, k 10, 400-400-400, batch {batchSize} per rank, {comm.Size} ranks, embedding update {update.ToString().ToLowerInvariant()}, exchange {exchange.ToString().ToLowerInvariant()}, threads {ws.Compute.Threads} per rank, median of {reps} (ms; slowest rank):");
        Console.WriteLine("| compute (fwd+bwd) | dense all-reduce | dense bytes | sparse exchange | sparse bytes per rank | touched rows per rank | whole step |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {tCompute:F2} | {tDense:F2} | {denseBytes:N0} | {tSparse:F2} | {sparseBytes:N0} | {touchedRows:N0} | {tStep:F2} |");
        Console.WriteLine();
        long tableBytes = parameters.Where(p => p.IsSparse && p.IsTrainable).Sum(p => (long)p.Rows * (p.Cols + 1) * sizeof(float));
        PrintModel(tCompute, denseBytes, sparseBytes, tableBytes, tSparse, comm.Size);
        return 0;
    }

    /// <summary>
    /// Predicted efficiency <c>compute / (compute + communication)</c> (no overlap of the two) for N ranks, each with
    /// the measured batch and compute time: a ring all-reduce of the dense bytes D, <c>2(N−1)·α + 2(N−1)/N · D/β</c>;
    /// for the embedding tables the cheaper of an all-gather-v of every rank's S bytes of rows, <c>(N−1)·α + (N−1)·S/β</c>,
    /// plus the local sum of the N·S received bytes at the per-byte cost measured here, and an all-reduce of the whole
    /// tables and their masks (T bytes), <c>2(N−1)·α + 2(N−1)/N · T/β</c> (what <c>SparseExchange.Auto</c> picks by
    /// bytes). α = 10 µs per message, β the link's bandwidth.
    /// </summary>
    private static void PrintModel(double computeMs, long denseBytes, long sparseBytes, long tableBytes, double sparseMsMeasured, int measuredRanks)
    {
        const double alpha = 10e-6;
        // Upper bound of the local cost per received sparse byte: the whole measured exchange over what it received.
        double sumPerByte = sparseMsMeasured / 1000 / Math.Max(1, (double)sparseBytes * measuredRanks);
        Console.WriteLine($"Scaling model (a model, not a measurement): compute {computeMs:F1} ms per step as measured, D = {denseBytes:N0} B, S = {sparseBytes:N0} B per rank, T = {tableBytes:N0} B, α = 10 µs, local sum {sumPerByte * 1e9:F2} ns/B (measured bound)");
        Console.WriteLine("| N | tables as | comm 10 Gbit/s (ms) | efficiency 10 Gbit/s | comm 25 Gbit/s (ms) | efficiency 25 Gbit/s |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|");
        foreach (int n in new[] { 2, 4, 8, 16, 32, 64 })
        {
            var cells = new List<string>();
            string how = "";
            foreach (double gbit in new[] { 10.0, 25.0 })
            {
                double beta = gbit * 1e9 / 8;
                double ring = 2.0 * (n - 1) / n / beta;
                double rows = (n - 1) * alpha + (n - 1) * (double)sparseBytes / beta + n * (double)sparseBytes * sumPerByte;
                double table = 2 * (n - 1) * alpha + ring * tableBytes;
                bool wholeTable = 2 * tableBytes < (long)n * sparseBytes;   // SparseExchange.Auto's rule
                how = wholeTable ? "whole table" : "rows";
                double t = 2 * (n - 1) * alpha + ring * denseBytes + (wholeTable ? table : rows);
                double ms = t * 1000;
                cells.Add($"{ms:F2} | {computeMs / (computeMs + ms):P0}");
            }
            Console.WriteLine($"| {n} | {how} | {string.Join(" | ", cells)} |");
        }
    }

    private static double Median(List<double> v)
    {
        var s = v.OrderBy(t => t).ToArray();
        return s.Length == 0 ? 0 : s[s.Length / 2];
    }
}
