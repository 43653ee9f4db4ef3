namespace DeepFM.Training;

/// <summary>Settings of the training loop (the model's own hyper-parameters are in <see cref="Models.ModelConfig"/>).</summary>
/// <remarks>The initialisers are the library's defaults, which the command line and the ML.NET trainer also use.
/// <see cref="Optimizer"/> and <see cref="LearningRate"/> default per model: left null, they are filled in by
/// <see cref="ResolveFor"/>, which <see cref="Trainer"/> applies for the model it trains.</remarks>
public sealed record TrainOptions
{
    /// <summary>Most passes over the training rows; early stopping usually ends sooner.</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>Rows per mini-batch.</summary>
    public int BatchSize { get; init; } = 4096;

    /// <summary>Optimizer name: adam, adagrad, sgd, ftrl. Null: the model's default
    /// (<see cref="Models.ModelDefaults.Optimizer"/>: ftrl for lr, adam otherwise).</summary>
    public string? Optimizer { get; init; }

    /// <summary>Initial learning rate. Null: the optimizer's default (<see cref="Models.ModelDefaults.LearningRate"/>:
    /// 1e-3 for adam, 0.2 for ftrl, 0.01 otherwise).</summary>
    public float? LearningRate { get; init; }

    /// <summary>Seed of the per-epoch shuffles.</summary>
    public long Seed { get; init; } = Models.ModelDefaults.Seed;

    /// <summary>Evaluations without a validation-AUC improvement before stopping (early stopping).</summary>
    public int Patience { get; init; } = 2;

    /// <summary>Smallest rise of validation AUC that counts as an improvement (early stopping's min-delta). Smaller
    /// rises count as a plateau: the learning rate decays and patience runs down.</summary>
    /// <remarks>Default 1e-4, chosen on Frappe validation (docs/results.md): 1e-6 let DeepFM creep on for 0.00005 AUC
    /// while validation logloss rose from 0.148 to 0.154; 1e-4 stops at the same AUC with the better logloss.</remarks>
    public double MinImprovement { get; init; } = 1e-4;

    /// <summary>Learning-rate factor applied after each evaluation that does not improve validation AUC (1 = off).</summary>
    public float LrDecayOnPlateau { get; init; } = 0.1f;

    /// <summary>Floor of the learning rate under plateau decay.</summary>
    public float MinLearningRate { get; init; } = 1e-6f;

    /// <summary>Evaluate on validation every this many steps; 0 = once per epoch.</summary>
    public int EvalEverySteps { get; init; }

    /// <summary>Score at most this many validation rows at each evaluation during training: a fixed random sample
    /// (seeded by <see cref="Seed"/>), for validation sets too large to score every few steps. 0 = all rows. The
    /// final metrics of a run are on all of them.</summary>
    public int EvalSampleRows { get; init; }

    /// <summary>Global gradient-norm clip (0 = off).</summary>
    public float ClipNorm { get; init; } = 10f;

    /// <summary>Most threads the numeric kernels use (0 = all cores). Results do not depend on it.</summary>
    public int Threads { get; init; }

    /// <summary>Restore the weights of the best validation evaluation at the end.</summary>
    public bool RestoreBest { get; init; } = true;

    /// <summary>Before the first step, set the model's <see cref="Models.CtrModel.OutputBias"/> to the training rows'
    /// log-odds <c>ln(p / (1 − p))</c>, so that training starts from the base rate (calibrated on imbalanced data).</summary>
    public bool InitializeBiasToLogOdds { get; init; } = true;

    /// <summary>These options with <see cref="Optimizer"/> and <see cref="LearningRate"/> filled in, where null, with
    /// the defaults of <paramref name="model"/> (a registered name or alias) and of the optimizer. Set values are kept,
    /// so resolving twice changes nothing.</summary>
    public TrainOptions ResolveFor(string model)
    {
        string optimizer = Optimizer ?? Models.ModelRegistry.DefaultsOf(model).Optimizer;
        return this with { Optimizer = optimizer, LearningRate = LearningRate ?? Models.ModelDefaults.LearningRate(optimizer) };
    }
}
