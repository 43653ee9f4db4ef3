using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Layers;
using DeepFM.Training;

namespace DeepFM.Models;

/// <summary>
/// FNN (Zhang et al. 2016), the paper's "FM-initialized feed-forward neural network" (Section 2.2, Figure 5 left).
/// Feature i has a dense vector <c>[w_i, V_i]</c> (k + 1 numbers); field j of a row becomes <c>z_j = x_j·[w_i, V_i]</c>.
/// <list type="bullet">
/// <item>Stage 1 (<see cref="Pretrain"/>): train an FM <c>y = ⟨w, x⟩ + b + Σ_{i&lt;j} ⟨V_i, V_j⟩ x_i x_j</c> on the
/// training rows, with early stopping on validation, and copy its w and V into the table.</item>
/// <item>Stage 2: <c>a⁽⁰⁾ = [z_1, …, z_m]</c>, <c>a⁽ˡ⁺¹⁾ = σ(W⁽ˡ⁾a⁽ˡ⁾ + b⁽ˡ⁾)</c> (eq. 4),
/// <c>ŷ = sigmoid(W^{|H|+1}a^H + b^{|H|+1})</c>, trained end to end (the table keeps learning).</item>
/// </list>
/// The output is the DNN alone: no low-order term (Table 1). FM's global bias w₀, which FNN also feeds to the
/// first layer, is a constant input and so is absorbed by that layer's bias.
/// </summary>
public sealed class FnnModel : CtrModel, IPretrainedModel
{
    private readonly Embedding _embedding;
    private readonly Sequential _dnn;

    /// <summary>Builds the model with randomly initialised embeddings (<see cref="Pretrain"/> replaces them).</summary>
    public FnnModel(ModelConfig config, FeatureSpace space) : base(config, space)
    {
        int m = space.FieldCount, k = config.EmbeddingSize;
        _embedding = AddModule("embedding", new Embedding(space.FeatureCount, k + 1, config.EmbeddingInitStd, Rng.Derive(config.Seed, 1)));
        _dnn = AddModule("dnn", Mlp.Build(m * (k + 1), config.Mlp, outputs: 1, config.Seed, stream: 2));
        ApplyRegularization();
    }

    /// <summary>The table of <c>[w_i, V_i]</c> rows (features × (k + 1)).</summary>
    public Parameter Embeddings => _embedding.Table;

    /// <summary>The FM trained by the last <see cref="Pretrain"/> call, if any.</summary>
    public FactorizationMachineModel? PretrainedFm { get; private set; }

    /// <summary>The FM stage's training result, if <see cref="Pretrain"/> has run.</summary>
    public TrainResult? PretrainResult { get; private set; }

    /// <summary>Stage 1: trains an FM with the same embedding size, initialisation, L2 and seed as this model, under
    /// the same training options (early stopping on <paramref name="valid"/>, best weights kept), then initialises the
    /// table from it. <paramref name="observer"/> sees the stage's live progress only.</summary>
    public void Pretrain(IRowSet train, IRowSet? valid, TrainOptions options, ITrainingObserver? observer, CancellationToken cancel = default)
    {
        var fm = new FactorizationMachineModel(Config with { Model = "fm" }, Space);
        var stageObserver = observer is null ? null : new ProgressOnly(observer);
        PretrainResult = new Trainer(options with { RestoreBest = true }).Fit(fm, train, valid, stageObserver, cancel);
        InitializeFrom(fm);
        PretrainedFm = fm;
    }

    /// <summary>Forwards the FM stage's live progress but not its validations: the caller's history is of the FNN's
    /// own epochs (the FM stage's is in <see cref="PretrainResult"/>), and the two would otherwise share epoch numbers.</summary>
    private sealed class ProgressOnly(ITrainingObserver inner) : ITrainingObserver
    {
        public void OnProgress(in TrainProgress progress) => inner.OnProgress(progress);

        public void OnEvaluation(EvaluationRecord record) { }
    }

    /// <summary>Sets row i of the table to <c>[w_i, V_i]</c> from <paramref name="fm"/>, which must have this model's
    /// feature space and embedding size.</summary>
    public void InitializeFrom(FactorizationMachineModel fm)
    {
        ArgumentNullException.ThrowIfNull(fm);
        int k = Config.EmbeddingSize;
        if (fm.Embeddings.Rows != Embeddings.Rows || fm.Embeddings.Cols != k)
            throw new ArgumentException($"FM table is {fm.Embeddings.Rows}×{fm.Embeddings.Cols}; FNN needs {Embeddings.Rows}×{k}.");
        for (int i = 0; i < Embeddings.Rows; i++)
        {
            var row = Embeddings.ValueRow(i);
            row[0] = fm.Weights.Value[i];
            fm.Embeddings.ValueRow(i).CopyTo(row[1..]);
        }
    }

    /// <inheritdoc />
    public override Matrix Forward(Batch batch) => _dnn.Forward(_embedding.Forward(batch));

    /// <inheritdoc />
    public override string ToOnnx(Export.OnnxGraph graph) => _dnn.ToOnnx(graph, _embedding.ToOnnx(graph));

    /// <inheritdoc />
    public override void Backward(Matrix gradLogits) => _embedding.Backward(_dnn.Backward(gradLogits));
}
