using DeepFM.Data;
using DeepFM.Distributed;
using DeepFM.Engine;
using DeepFM.Models;
using DeepFM.Training;
using Xunit.Abstractions;

namespace DeepFM.Tests.Distributed;

/// <summary>
/// The data-parallel algorithm without MPI: ranks are threads of this process joined by a
/// <see cref="ThreadGroupCommunicator"/>, each training its slice of every batch through <see cref="MpiGradientReducer"/>.
/// </summary>
/// <remarks>
/// Tolerance (see also <see cref="MaxDifference"/> on batch norm): a rank's gradient is the sum over its slice's rows, and the reducer adds the slices; one process sums
/// all rows in one run. Float addition is not associative, so the two differ by rounding (about 1e-7 relative per
/// step), which Adam's normalised steps then carry along; after the steps here the parameters agree to
/// <see cref="Tolerance"/>. The ranks do the same additions in the same order, so among themselves they agree
/// bit for bit.
/// </remarks>
public sealed class DataParallelTrainingTests(ITestOutputHelper output)
{
    /// <summary>Largest difference allowed between a rank's parameter and the single-process one (values are O(0.01–1);
    /// measured: about 1e-7 after the 20 steps of these runs).</summary>
    internal const float Tolerance = 1e-5f;

    private const int Fields = 6, PerField = 40;

    /// <summary>Rows whose label depends on two planted features, so the model learns something in a few steps.</summary>
    internal static InMemoryRowSet Rows(int count, ulong seed)
    {
        var rng = new Rng(seed);
        var ids = new int[count * Fields];
        var labels = new float[count];
        for (int r = 0; r < count; r++)
        {
            for (int f = 0; f < Fields; f++) ids[r * Fields + f] = f * PerField + rng.NextInt(PerField);
            bool planted = ids[r * Fields] % PerField < 8 && ids[r * Fields + 1] % PerField < 20;
            labels[r] = rng.NextFloat() < (planted ? 0.8f : 0.2f) ? 1 : 0;
        }
        return new InMemoryRowSet(Fields, ids, Enumerable.Repeat(1f, ids.Length).ToArray(), labels);
    }

    internal static ModelConfig DeepFm => new()
    {
        Model = "deepfm", EmbeddingSize = 4, Hidden = [16, 16], Dropout = 0.3f, BatchNorm = false,
        EmbeddingUpdate = EmbeddingUpdate.Lazy, Seed = 5,
    };

    internal static ModelConfig DeepFmBatchNorm => DeepFm with { BatchNorm = true };

    internal static ModelConfig Fm => new() { Model = "fm", EmbeddingSize = 4, EmbeddingUpdate = EmbeddingUpdate.Lazy, Seed = 5 };

    internal static TrainOptions Options => new() { Epochs = 2, BatchSize = 100, Optimizer = "adam", LearningRate = 0.01f, Threads = 1, Seed = 3 };

    private static CtrModel Train(ModelConfig config, IRowSet train, IGradientReducer? reducer)
    {
        var model = ModelRegistry.Create(config, new FeatureSpace(Fields, Fields * PerField));
        new Trainer(Options, reducer).Fit(model, train, null);
        return model;
    }

    private static CtrModel[] TrainRanks(ModelConfig config, IRowSet train, int ranks, SparseExchange exchange = SparseExchange.Auto)
    {
        var comms = ThreadGroupCommunicator.Create(ranks);
        var models = new CtrModel[ranks];
        var threads = comms.Select(c => new Thread(() => models[c.Rank] = Train(config, train, new MpiGradientReducer(c) { Exchange = exchange }))).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return models;
    }

    /// <summary>Largest absolute difference between two models' parameters, except those batch norm makes dead.</summary>
    /// <remarks>The bias of a layer that feeds a batch norm has no effect in training (the norm subtracts it with the
    /// batch mean), so its true gradient is zero and what backward computes for it is rounding noise, which differs
    /// with the summation order. Adam divides by the noise's own magnitude, so it moves that bias by about ±lr a step
    /// in the noise's direction; the bias (and the running mean, which follows it) then differs from one process by up
    /// to lr × steps. Those parameters are left out. Evaluation outputs move with them (the running mean lags behind
    /// the bias), so with Adam and batch norm only the parameters are compared; with SGD the noise stays noise and the
    /// predictions agree too (<see cref="Batch_norm_with_sgd_predicts_what_one_process_predicts"/>).</remarks>
    internal static float MaxDifference(CtrModel a, CtrModel b)
    {
        var dead = DeadUnderBatchNorm(a);
        float max = 0;
        var pa = a.Parameters();
        var pb = b.Parameters();
        for (int i = 0; i < pa.Count; i++)
        {
            if (dead.Contains(pa[i].Name)) continue;
            for (int j = 0; j < pa[i].Value.Length; j++) max = Math.Max(max, Math.Abs(pa[i].Value[j] - pb[i].Value[j]));
        }
        return max;
    }

    /// <summary>The bias before each batch norm (<c>dnn.k.bias</c> before <c>dnn.(k+1).gamma</c>) and that norm's running mean.</summary>
    private static HashSet<string> DeadUnderBatchNorm(CtrModel model)
    {
        var names = model.Parameters().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var dead = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names.Where(n => n.EndsWith(".gamma", StringComparison.Ordinal)))
        {
            string prefix = name[..^".gamma".Length];   // e.g. dnn.1
            int dot = prefix.LastIndexOf('.');
            if (dot < 0 || !int.TryParse(prefix[(dot + 1)..], out int k)) continue;
            dead.Add($"{prefix[..dot]}.{k - 1}.bias");
            dead.Add(prefix + ".running_mean");
        }
        return dead;
    }

    /// <summary>Largest difference between two models' predicted probabilities on <paramref name="rows"/>.</summary>
    internal static float MaxPredictionDifference(CtrModel a, CtrModel b, IRowSet rows) =>
        Predictor.Predict(a, rows).Zip(Predictor.Predict(b, rows)).Max(p => Math.Abs(p.First - p.Second));

    internal static bool BitwiseEqual(CtrModel a, CtrModel b) =>
        a.Parameters().Zip(b.Parameters()).All(p => p.First.Value.AsSpan().SequenceEqual(p.Second.Value));

    [Fact]
    public void A_group_of_one_trains_exactly_as_one_process()
    {
        var train = Rows(950, 1);   // 950: the last batch of each epoch is short
        var plain = Train(DeepFm, train, null);
        var grouped = Train(DeepFm, train, new MpiGradientReducer(SingleProcessCommunicator.Instance));
        Assert.True(BitwiseEqual(plain, grouped));
    }

    [Theory]
    [InlineData("deepfm", 2, SparseExchange.Rows)]
    [InlineData("deepfm", 3, SparseExchange.Rows)]
    [InlineData("fm", 2, SparseExchange.Rows)]
    [InlineData("fm", 3, SparseExchange.Rows)]
    [InlineData("deepfm", 3, SparseExchange.WholeTable)]
    [InlineData("fm", 2, SparseExchange.WholeTable)]
    [InlineData("fm", 3, SparseExchange.Auto)]
    [InlineData("deepfm-bn", 2, SparseExchange.Auto)]
    [InlineData("deepfm-bn", 3, SparseExchange.Rows)]
    public void Ranks_match_one_process_within_rounding_and_each_other_exactly(string model, int ranks, SparseExchange exchange)
    {
        var config = model switch { "fm" => Fm, "deepfm-bn" => DeepFmBatchNorm, _ => DeepFm };
        var train = Rows(950, 1);
        var single = Train(config, train, null);
        var replicas = TrainRanks(config, train, ranks, exchange);
        for (int r = 1; r < ranks; r++) Assert.True(BitwiseEqual(replicas[0], replicas[r]), $"rank {r} differs from rank 0");
        float diff = MaxDifference(single, replicas[0]);
        output.WriteLine($"{model}, {ranks} ranks, {exchange}: largest difference from one process {diff:G3}");
        Assert.True(diff > 0 || ranks == 1, "the slices' sums should differ from one process by rounding somewhere");
        Assert.True(diff <= Tolerance, $"largest difference {diff} > {Tolerance}");
        if (config.BatchNorm) return;   // see MaxDifference: Adam moves the dead biases, and evaluation sees them
        float predictions = MaxPredictionDifference(single, replicas[0], Rows(500, 9));
        output.WriteLine($"largest difference of predicted probabilities {predictions:G3}");
        Assert.True(predictions <= Tolerance, $"predictions differ by {predictions}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Batch_norm_with_sgd_predicts_what_one_process_predicts(int ranks)
    {
        var train = Rows(950, 1);
        var options = Options with { Optimizer = "sgd", LearningRate = 0.05f };
        CtrModel Fit(IGradientReducer? reducer)
        {
            var model = ModelRegistry.Create(DeepFmBatchNorm, new FeatureSpace(Fields, Fields * PerField));
            new Trainer(options, reducer).Fit(model, train, null);
            return model;
        }
        var single = Fit(null);
        var comms = ThreadGroupCommunicator.Create(ranks);
        var models = new CtrModel[ranks];
        var threads = comms.Select(c => new Thread(() => models[c.Rank] = Fit(new MpiGradientReducer(c)))).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        for (int r = 1; r < ranks; r++) Assert.True(BitwiseEqual(models[0], models[r]));   // running statistics too
        float predictions = MaxPredictionDifference(single, models[0], Rows(500, 9));
        output.WriteLine($"{ranks} ranks, sgd: largest difference of predicted probabilities {predictions:G3}, of parameters {MaxDifference(single, models[0]):G3}");
        Assert.True(predictions <= Tolerance, $"predictions differ by {predictions}");
    }

    [Fact]
    public void More_ranks_than_rows_in_the_last_batch_still_step_together()
    {
        // 203 rows, batch 100: the last batch has 3 rows, so with 5 ranks two ranks train none of them.
        var train = Rows(203, 2);
        var single = Train(Fm, train, null);
        var replicas = TrainRanks(Fm, train, 5);
        for (int r = 1; r < replicas.Length; r++) Assert.True(BitwiseEqual(replicas[0], replicas[r]));
        Assert.True(MaxDifference(single, replicas[0]) <= Tolerance);
        // Batch norm cannot share statistics when some ranks have no rows (docs/distributed.md): the replicas still agree.
        var normalised = TrainRanks(DeepFmBatchNorm, train, 5);
        for (int r = 1; r < normalised.Length; r++) Assert.True(BitwiseEqual(normalised[0], normalised[r]));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Ranks_score_their_share_of_the_validation_and_agree_on_every_decision(int ranks)
    {
        var train = Rows(950, 1);
        var valid = Rows(301, 8);   // 301: the ranks' shares differ in size
        var options = Options with { Epochs = 6, EvalEverySteps = 5, Patience = 2 };
        var model = ModelRegistry.Create(Fm, new FeatureSpace(Fields, Fields * PerField));
        var single = new Trainer(options).Fit(model, train, valid);
        var comms = ThreadGroupCommunicator.Create(ranks);
        var results = new TrainResult[ranks];
        var threads = comms.Select(c => new Thread(() =>
        {
            var m = ModelRegistry.Create(Fm, new FeatureSpace(Fields, Fields * PerField));
            results[c.Rank] = new Trainer(options, new MpiGradientReducer(c)).Fit(m, train, valid);
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        for (int r = 1; r < ranks; r++)
            Assert.Equal(results[0].History.Select(h => (h.Step, h.ValidAuc, h.ValidLogloss, h.LearningRate, h.Improved)),
                results[r].History.Select(h => (h.Step, h.ValidAuc, h.ValidLogloss, h.LearningRate, h.Improved)));
        Assert.Equal(single.History.Select(h => (h.Step, h.Improved)), results[0].History.Select(h => (h.Step, h.Improved)));
        double auc = single.History.Zip(results[0].History).Max(p => Math.Abs(p.First.ValidAuc - p.Second.ValidAuc));
        output.WriteLine($"{ranks} ranks: {single.History.Count} validations, largest AUC difference from one process {auc:G3}");
        Assert.True(auc < 1e-5);
    }

    /// <summary>Cancels its token at its rank's <paramref name="step"/>-th progress report.</summary>
    private sealed class CancelAt(CancellationTokenSource source, long step) : ITrainingObserver
    {
        public void OnProgress(in TrainProgress progress) { if (progress.Step >= step) source.Cancel(); }

        public void OnEvaluation(EvaluationRecord record) { }
    }

    [Fact]
    public void A_cancel_on_one_rank_stops_every_rank_at_the_same_step()
    {
        var train = Rows(2000, 1);
        var comms = ThreadGroupCommunicator.Create(3);
        var results = new TrainResult[3];
        var states = new TrainingState[3];
        // Only rank 1's token is cancelled (after step 10); the others must stop with it, not wait for it.
        var threads = comms.Select(c => new Thread(() =>
        {
            var model = ModelRegistry.Create(Fm, new FeatureSpace(Fields, Fields * PerField));
            using var source = new CancellationTokenSource();
            states[c.Rank] = new TrainingState(Optimizer.Create("adam", 0.01f));
            results[c.Rank] = new Trainer(Options, new MpiGradientReducer(c)).Fit(model, train, null, states[c.Rank],
                c.Rank == 1 ? new CancelAt(source, 10) : null, source.Token);
        })).ToArray();
        foreach (var t in threads) t.Start();
        Assert.True(threads.All(t => t.Join(TimeSpan.FromSeconds(60))), "a rank is still training");
        Assert.All(results, r => Assert.True(r.Cancelled));
        Assert.All(states, s => Assert.Equal(states[1].Step, s.Step));
        Assert.Equal(10, states[1].Step);
    }

    [Fact]
    public void A_run_stopped_on_three_ranks_continues_on_two_and_ends_where_one_process_ends()
    {
        // The training state counts global rows and steps and is the same on every rank, so any rank's state (as a
        // checkpoint would hold it) continues on any number of ranks.
        var train = Rows(950, 1);
        var single = Train(DeepFm, train, null);
        var models = new CtrModel[3];
        var states = new TrainingState[3];
        var three = ThreadGroupCommunicator.Create(3);
        var threads = three.Select(c => new Thread(() =>
        {
            models[c.Rank] = ModelRegistry.Create(DeepFm, new FeatureSpace(Fields, Fields * PerField));
            using var source = new CancellationTokenSource();
            states[c.Rank] = new TrainingState(Optimizer.Create(Options.Optimizer!, Options.LearningRate!.Value));
            new Trainer(Options, new MpiGradientReducer(c)).Fit(models[c.Rank], train, null, states[c.Rank],
                c.Rank == 0 ? new CancelAt(source, 10) : null, source.Token);
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.Equal(10, states[0].Step);
        var two = ThreadGroupCommunicator.Create(2);
        threads = two.Select(c => new Thread(() =>
            new Trainer(Options, new MpiGradientReducer(c)).Fit(models[c.Rank], train, null, states[c.Rank]))).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.Equal(20, states[0].Step);
        Assert.True(BitwiseEqual(models[0], models[1]));
        float diff = MaxDifference(single, models[0]);
        output.WriteLine($"3 ranks then 2: largest difference from one process {diff:G3}");
        Assert.True(diff <= Tolerance, $"largest difference {diff}");
    }

    [Fact]
    public void Batch_norm_on_each_rank_s_own_slice_differs_from_one_process_but_keeps_the_trainable_replicas_equal()
    {
        var train = Rows(950, 1);
        var single = Train(DeepFmBatchNorm, train, null);
        var comms = ThreadGroupCommunicator.Create(2);
        var models = new CtrModel[2];
        var threads = comms.Select(c => new Thread(() => models[c.Rank] = Train(DeepFmBatchNorm, train, new MpiGradientReducer(c) { SyncBatchNorm = false }))).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        var trainable = models[0].Parameters().Zip(models[1].Parameters()).Where(p => p.First.IsTrainable);
        Assert.True(trainable.All(p => p.First.Value.AsSpan().SequenceEqual(p.Second.Value)));
        Assert.True(MaxDifference(single, models[0]) > Tolerance, "per-rank statistics should not give the one-process result");
    }
}
