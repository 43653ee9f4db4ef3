using System.Diagnostics;
using System.Globalization;
using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Bench;

/// <summary>
/// Where one DeepFM deep-component step goes: the paper's MLP (390 → 400-400-400 → 1, relu, dropout 0.5, batch 4096)
/// timed layer by layer, forward and backward, medians over repetitions, beside the GEMM share of each Linear.
/// </summary>
internal static class StepBench
{
    public static int Run(string[] args)
    {
        int reps = 30, batch = 4096, inputs = 390;
        float dropout = 0.5f;
        bool bn = false;
        string model = "deepfm";
        var gemm = GemmSettings.Default;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--reps": reps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--batch": batch = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--dropout": dropout = float.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--batch-norm": bn = true; break;
                case "--model": model = args[++i]; break;
                case "--blockb": gemm = gemm with { PackBPerBlock = args[++i] == "1" }; break;
                case "--mclong": gemm = gemm with { McLongK = int.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        var ws = new Workspace(isTraining: true, ComputeContext.Default.WithGemm(gemm));
        if (model != "deepfm")
        {
            ModelStep(model, reps, batch, dropout, bn, ws);
            return 0;
        }
        var mlp = Mlp.Build(inputs, new MlpSpec([400, 400, 400], ActivationKind.Relu, dropout, bn), 1, seed: 1, stream: 2);
        var x = new Matrix(batch, inputs);
        var rng = new Rng(7);
        for (int i = 0; i < x.Span.Length; i++) x.Span[i] = rng.NextFloat() - 0.5f;
        var dy = new Matrix(batch, 1);
        for (int i = 0; i < batch; i++) dy.Span[i] = (rng.NextFloat() - 0.5f) / batch;
        var layers = mlp.Layers;
        var fwd = new List<double>[layers.Count];
        var bwd = new List<double>[layers.Count];
        for (int l = 0; l < layers.Count; l++) { fwd[l] = []; bwd[l] = []; }
        var total = new List<double>();
        for (int r = 0; r < reps + 3; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            var h = x;
            for (int l = 0; l < layers.Count; l++)
            {
                long s = Stopwatch.GetTimestamp();
                h = layers[l].Forward(h, ws);
                if (r >= 3) fwd[l].Add(Stopwatch.GetElapsedTime(s).TotalMilliseconds);
            }
            var g = dy;
            for (int l = layers.Count - 1; l >= 0; l--)
            {
                long s = Stopwatch.GetTimestamp();
                g = layers[l].Backward(g, ws);
                if (r >= 3) bwd[l].Add(Stopwatch.GetElapsedTime(s).TotalMilliseconds);
            }
            if (r >= 3) total.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        Console.WriteLine($"MLP {inputs}→400-400-400→1, batch {batch}, dropout {dropout}, batch norm {bn}, threads {ws.Compute.Threads}, median of {reps} (ms)");
        Console.WriteLine("| layer | forward | backward |");
        Console.WriteLine("|---|---:|---:|");
        for (int l = 0; l < layers.Count; l++)
        {
            var layer = layers[l];
            string name = layer is Linear lin ? $"{l} linear {lin.Inputs}→{lin.Outputs}" : $"{l} {layer.GetType().Name.ToLowerInvariant()}";
            Console.WriteLine($"| {name} | {Median(fwd[l]):F2} | {Median(bwd[l]):F2} |");
        }
        Console.WriteLine($"| total | {Median(total):F2} | |");
        double flops = 2.0 * batch * (inputs * 400 + 400 * 400 * 2 + 400) * 3;
        Console.WriteLine($"GEMM work {flops / 1e9:F2} GFLOP per step → {flops / 1e6 / Median(total):F1} GFLOP/s over the whole step");
        ModelStep(model, reps, batch, dropout, bn, ws);
        return 0;
    }

    /// <summary>A whole model step on a Criteo-shaped batch (39 fields, 58,763 features as in the 1M-row bench):
    /// forward, loss, backward and the Adam update, each timed.</summary>
    private static void ModelStep(string name, int reps, int batchSize, float dropout, bool bn, Workspace ws)
    {
        const int fields = 39, features = 58_763;
        var config = new DeepFM.Models.ModelConfig { Model = name, Dropout = dropout, BatchNorm = bn, Seed = 1 };
        var model = DeepFM.Models.ModelRegistry.Create(config, new DeepFM.Models.FeatureSpace(fields, features));
        var parameters = model.Parameters();
        var optimizer = DeepFM.Training.Optimizer.Create(name == "lr" ? "ftrl" : "adam", name == "lr" ? 0.2f : 1e-3f);
        var batch = new DeepFM.Data.Batch(batchSize, fields) { Size = batchSize };
        var rng = new Rng(11);
        int perField = features / fields;
        for (int i = 0; i < batchSize * fields; i++)
        {
            int f = i % fields;
            // Skewed ids per field, like real logs: a few values take most rows.
            float u = rng.NextFloat();
            batch.IdBuffer[i] = f * perField + (int)(perField * u * u * u);
            batch.ValueBuffer[i] = 1f;
        }
        for (int i = 0; i < batchSize; i++) batch.LabelBuffer[i] = rng.NextFloat() < 0.25f ? 1f : 0f;
        var grad = new Matrix(batchSize, 1);
        var f0 = new List<double>(); var b0 = new List<double>(); var o0 = new List<double>(); var t0 = new List<double>();
        for (int r = 0; r < reps + 3; r++)
        {
            long s = Stopwatch.GetTimestamp();
            ws.Step = r;
            var logits = model.Forward(batch, ws);
            DeepFM.Training.SigmoidCrossEntropy.Compute(logits.Span, batch.Labels, grad.Span);
            long s1 = Stopwatch.GetTimestamp();
            model.Backward(grad, ws);
            long s2 = Stopwatch.GetTimestamp();
            optimizer.BatchRows = batchSize;
            optimizer.Step(parameters, ws.Compute);
            long s3 = Stopwatch.GetTimestamp();
            if (r < 3) continue;
            f0.Add(Stopwatch.GetElapsedTime(s, s1).TotalMilliseconds);
            b0.Add(Stopwatch.GetElapsedTime(s1, s2).TotalMilliseconds);
            o0.Add(Stopwatch.GetElapsedTime(s2, s3).TotalMilliseconds);
            t0.Add(Stopwatch.GetElapsedTime(s, s3).TotalMilliseconds);
        }
        Console.WriteLine();
        Console.WriteLine($"{name} step, {fields} fields, {features:N0} features, k 10, batch {batchSize} (ms, median of {reps}):");
        Console.WriteLine($"| forward + loss | backward | optimizer | step | rows/s |");
        Console.WriteLine($"|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {Median(f0):F2} | {Median(b0):F2} | {Median(o0):F2} | {Median(t0):F2} | {batchSize / Median(t0) * 1000:N0} |");
    }

    private static double Median(List<double> v)
    {
        var s = v.OrderBy(t => t).ToArray();
        return s.Length == 0 ? 0 : s[s.Length / 2];
    }
}
