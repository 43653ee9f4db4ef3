using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Layers;

namespace DeepFM.Models;

/// <summary>
/// FNN (Zhang et al. 2016), the paper's "FM-initialized feed-forward neural network" (Section 2.2, Figure 5 left).
/// Feature i has a dense vector <c>[w_i, V_i]</c> (k + 1 numbers); field j of a row becomes <c>z_j = x_j·[w_i, V_i]</c>.
/// <list type="bullet">
/// <item>Stage 1 (<see cref="CreatePretrainingModel"/>, trained by the trainer): train an FM <c>y = ⟨w, x⟩ + b + Σ_{i&lt;j} ⟨V_i, V_j⟩ x_i x_j</c> on the
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

    /// <summary>Builds the model with randomly initialised embeddings (pre-training replaces them).</summary>
    public FnnModel(ModelConfig config, FeatureSpace space) : base(config, space)
    {
        int m = space.FieldCount, k = config.EmbeddingSize;
        _embedding = AddModule("embedding", new Embedding(space.FeatureCount, k + 1, config.EmbeddingInitStd, Rng.Derive(config.Seed, 1)));
        _dnn = AddModule("dnn", Mlp.Build(m * (k + 1), config.Mlp, outputs: 1, config.Seed, stream: 2));
        ApplyRegularization();
    }

    /// <summary>The table of <c>[w_i, V_i]</c> rows (features × (k + 1)).</summary>
    public Parameter Embeddings => _embedding.Table;

    /// <summary>The FM this model was last initialised from, if any.</summary>
    public FactorizationMachineModel? PretrainedFm { get; private set; }

    /// <summary>Stage 1's model: an FM with the same embedding size, initialisation, L2 and seed as this model (the
    /// trainer trains it under the same options, with early stopping and the best weights kept).</summary>
    public CtrModel CreatePretrainingModel() => new FactorizationMachineModel(Config with { Model = "fm" }, Space);

    /// <inheritdoc />
    void IPretrainedModel.InitializeFrom(CtrModel pretrained) =>
        InitializeFrom(pretrained as FactorizationMachineModel ?? throw new ArgumentException("FNN is initialised from an FM.", nameof(pretrained)));

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
        PretrainedFm = fm;
    }

    /// <inheritdoc />
    public override Matrix Forward(Batch batch, Workspace ws) => _dnn.Forward(_embedding.Forward(batch, ws), ws);

    /// <inheritdoc />
    public override string ToOnnx(IOnnxGraph graph) => _dnn.ToOnnx(graph, _embedding.ToOnnx(graph));

    /// <inheritdoc />
    public override void Backward(Matrix gradLogits, Workspace ws) => _embedding.Backward(_dnn.Backward(gradLogits, ws), ws);
}
