namespace DeepFM.Training;

/// <summary>Settings of the training loop (the model's own hyper-parameters are in <see cref="Models.ModelConfig"/>).</summary>
public sealed record TrainOptions
{
    /// <summary>Most passes over the training rows; early stopping usually ends sooner.</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>Rows per mini-batch.</summary>
    public int BatchSize { get; init; } = 4096;

    /// <summary>Optimizer name: adam, adagrad, sgd, ftrl.</summary>
    public string Optimizer { get; init; } = "adam";

    /// <summary>Initial learning rate.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Seed of the per-epoch shuffles.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Evaluations without a validation-AUC improvement before stopping (early stopping).</summary>
    public int Patience { get; init; } = 2;

    /// <summary>Smallest rise of validation AUC that counts as an improvement (early stopping's min-delta). Smaller
    /// rises count as a plateau: the learning rate decays and patience runs down.</summary>
    public double MinImprovement { get; init; } = 1e-6;

    /// <summary>Learning-rate factor applied after each evaluation that does not improve validation AUC (1 = off).</summary>
    public float LrDecayOnPlateau { get; init; } = 0.1f;

    /// <summary>Floor of the learning rate under plateau decay.</summary>
    public float MinLearningRate { get; init; } = 1e-6f;

    /// <summary>Evaluate on validation every this many steps; 0 = once per epoch.</summary>
    public int EvalEverySteps { get; init; }

    /// <summary>Global gradient-norm clip (0 = off).</summary>
    public float ClipNorm { get; init; } = 10f;

    /// <summary>Restore the weights of the best validation evaluation at the end.</summary>
    public bool RestoreBest { get; init; } = true;
}
