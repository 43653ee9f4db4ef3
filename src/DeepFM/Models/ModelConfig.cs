using DeepFM.Layers;

namespace DeepFM.Models;

/// <summary>Shape of the input: m fields, and the total number of feature ids (rows of the embedding table).</summary>
/// <param name="FieldCount">Number of fields m.</param>
/// <param name="FeatureCount">Number of distinct feature ids over all fields.</param>
public sealed record FeatureSpace(int FieldCount, int FeatureCount);

/// <summary>
/// Hyper-parameters of a model. One record serves every model of the zoo; each model reads the settings it uses.
/// Stored in the model file, so a loaded model is rebuilt exactly.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Registered model name (see <see cref="ModelRegistry"/>), e.g. <c>deepfm</c>.</summary>
    public string Model { get; init; } = "deepfm";

    /// <summary>Embedding size k (the paper uses 10).</summary>
    public int EmbeddingSize { get; init; } = 10;

    /// <summary>Hidden widths of the deep component (the paper: 400-400-400).</summary>
    public int[] Hidden { get; init; } = [400, 400, 400];

    /// <summary>Hidden activation (the paper: relu, tanh for IPNN).</summary>
    public ActivationKind Activation { get; init; } = ActivationKind.Relu;

    /// <summary>Drop rate after each hidden layer. The paper's "dropout" is a keep probability: its 0.5 is 0.5 here,
    /// its 0.9 is 0.1 here.</summary>
    public float Dropout { get; init; } = 0.5f;

    /// <summary>Batch normalisation after each hidden linear layer.</summary>
    public bool BatchNorm { get; init; }

    /// <summary>Standard deviation of the normal initialisation of embedding tables.</summary>
    public float EmbeddingInitStd { get; init; } = 0.01f;

    /// <summary>L2 coefficient on embedding rows (applied to the rows in each batch).</summary>
    public float L2Embedding { get; init; }

    /// <summary>L2 coefficient on dense weight matrices (biases and batch-norm parameters are not decayed).</summary>
    public float L2 { get; init; }

    /// <summary>Seed of the initialisation and dropout streams.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>The deep component's settings.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public MlpSpec Mlp => new(Hidden, Activation, Dropout, BatchNorm);

    /// <inheritdoc />
    public bool Equals(ModelConfig? other) =>
        other is not null && Model == other.Model && EmbeddingSize == other.EmbeddingSize && Hidden.AsSpan().SequenceEqual(other.Hidden)
        && Activation == other.Activation && Dropout == other.Dropout && BatchNorm == other.BatchNorm
        && EmbeddingInitStd == other.EmbeddingInitStd && L2Embedding == other.L2Embedding && L2 == other.L2 && Seed == other.Seed;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Model, EmbeddingSize, Hidden.Length, Activation, Dropout, BatchNorm, Seed);
}
