using DeepFM.Data;
using DeepFM.Engine;

namespace DeepFM.Models;

/// <summary>
/// A CTR model: maps a batch of rows to logits (<c>ŷ = sigmoid(logit)</c>) and back-propagates <c>dL/dlogit</c>
/// into its parameters. The trainer knows nothing more of any model than this.
/// </summary>
public abstract class CtrModel : Module
{
    /// <summary>Initialises the common state.</summary>
    protected CtrModel(ModelConfig config, FeatureSpace space)
    {
        Config = config;
        Space = space;
    }

    /// <summary>The hyper-parameters the model was built with.</summary>
    public ModelConfig Config { get; }

    /// <summary>The input shape.</summary>
    public FeatureSpace Space { get; }

    /// <summary>Computes one logit per row (<c>B × 1</c>). Activations, and the returned matrix, live in
    /// <paramref name="ws"/>: one model can run in several workspaces at once (each on one thread).</summary>
    public abstract Matrix Forward(Batch batch, Workspace ws);

    /// <summary>Back-propagates <c>dL/dlogit</c> (<c>B × 1</c>) for the last forward batch run in <paramref name="ws"/>,
    /// accumulating parameter gradients.</summary>
    public abstract void Backward(Matrix gradLogits, Workspace ws);

    /// <summary>The model's <c>rows × 1</c> logit matrix in <paramref name="ws"/> (for models whose logit is a sum of components).</summary>
    protected Matrix Logits(int rows, Workspace ws) => ws.State<Buffers>(this).Logits.Reshape(rows, 1);

    /// <summary>The model's scratch matrix in <paramref name="ws"/>, shaped <c>rows × cols</c> (e.g. the sum of two
    /// components' gradients with respect to a shared table).</summary>
    protected Matrix Scratch(int rows, int cols, Workspace ws) => ws.State<Buffers>(this).Scratch.Reshape(rows, cols);

    /// <summary>What a model keeps in a workspace beyond its layers' state.</summary>
    private sealed class Buffers
    {
        public readonly Matrix Logits = new();
        public readonly Matrix Scratch = new();
    }

    /// <summary>Appends to <paramref name="graph"/> the nodes computing the evaluation-mode logit (<c>[N, 1]</c>) from the
    /// graph's <c>ids</c> and <c>values</c> inputs, mirroring <see cref="Forward"/>; returns the logit's name. Abstract
    /// so that a model added to the zoo ships its export with it (<see cref="Export.OnnxExporter"/> adds the sigmoid).</summary>
    public abstract string ToOnnx(IOnnxGraph graph);

    /// <summary>
    /// The constant the logit starts from, which training sets to the training data's log-odds before the first step
    /// (<see cref="Training.TrainOptions.InitializeBiasToLogOdds"/>), so that an untrained model predicts the observed
    /// CTR rather than 0.5 — what keeps imbalanced data calibrated. By default the order-1 term's bias
    /// (<c>linear.bias</c>), else the last single-number bias among the parameters (the deep component's output
    /// layer); null when there is none. A model whose logit has its constant elsewhere overrides this.
    /// </summary>
    public virtual Parameter? OutputBias
    {
        get
        {
            var parameters = Parameters();
            return parameters.FirstOrDefault(p => p.Name == "linear.bias" && p.Count == 1 && p.IsTrainable)
                ?? parameters.LastOrDefault(p => p.Name.EndsWith(".bias", StringComparison.Ordinal) && p.Count == 1 && p.IsTrainable);
        }
    }

    /// <summary>Makes small embedding tables dense per <see cref="ModelConfig.EmbeddingUpdate"/>, and sets each
    /// parameter's L2 coefficient from the config: embedding tables get
    /// <see cref="ModelConfig.L2Embedding"/>, dense weight matrices <see cref="ModelConfig.L2"/>. Call at the end of a
    /// model's constructor.</summary>
    protected void ApplyRegularization()
    {
        foreach (var p in Parameters())
        {
            if (!p.IsTrainable) continue;
            if (p.IsSparse && EmbeddingUpdateRule.IsDense(Config.EmbeddingUpdate, p.Count))
            {
                p.MakeDense();
                p.L2 = Config.L2Embedding;
            }
            else if (p.IsSparse) p.L2 = Config.L2Embedding;
            else if (p.Name.EndsWith("weight", StringComparison.Ordinal)) p.L2 = Config.L2;
        }
    }
}
