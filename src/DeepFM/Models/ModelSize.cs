using System.Globalization;

namespace DeepFM.Models;

/// <summary>
/// Up-front size checks of a model and of one batch's activations, made before anything is allocated: an embedding
/// size or vocabulary too large for one array, or for the memory of the machine, is a clear
/// <see cref="UserInputException"/> instead of an overflow (int products of rows × fields × k) or the process being
/// killed minutes later.
/// </summary>
public static class ModelSize
{
    /// <summary>Bytes per stored number; parameters keep a value, a gradient and up to two optimizer moments.</summary>
    private const long BytesPerParameter = 4 * 4;

    /// <summary>Bytes per activation number of the embedding output: the output, its gradient and the first dense
    /// layer's copies, a lower bound of what one batch keeps.</summary>
    private const long BytesPerActivation = 4 * 3;

    /// <summary>The numbers of the model's largest arrays and a lower-bound estimate of its parameter count.</summary>
    /// <returns>(Table: one embedding table, FirstLayer: the deep component's first weight matrix, Total: all parameters).</returns>
    public static (long Table, long FirstLayer, long Total) Estimate(ModelConfig config, FeatureSpace space)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(space);
        string model = ModelRegistry.Canonical(config.Model);
        long features = Math.Max(0, space.FeatureCount), m = Math.Max(0, space.FieldCount), k = Math.Max(0, config.EmbeddingSize);
        if (model == "lr") return (features, 0, features + 1);
        long table = features * k;                       // ≤ 2^62: int × int never overflows a long
        long total = table + features;                   // the k-wide table and the order-1 weights
        long first = 0;
        if (model is not ("fm" or "afm") && config.Hidden.Length > 0)   // FM and AFM have no deep component
        {
            long input = m * k;
            first = input * Math.Max(0, config.Hidden[0]);
            total += first;
            for (int i = 1; i < config.Hidden.Length; i++) total += (long)config.Hidden[i - 1] * config.Hidden[i];
            total += config.Hidden[^1];
        }
        return (table, first, total);
    }

    /// <summary>Fails with a message naming the size when the model, or one batch of <paramref name="batchSize"/> rows
    /// (0: the model only), cannot be held: an array over <see cref="Array.MaxLength"/> numbers, or more memory than
    /// the process has (<see cref="GC.GetGCMemoryInfo()"/>.<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>).</summary>
    public static void Validate(ModelConfig config, FeatureSpace space, int batchSize = 0)
    {
        var (table, first, total) = Estimate(config, space);
        string model = ModelRegistry.Canonical(config.Model);
        int k = config.EmbeddingSize;
        string what = string.Format(CultureInfo.InvariantCulture, "{0} with embedding size {1}, {2:N0} fields and {3:N0} features", model, k, space.FieldCount, space.FeatureCount);
        if (table > Array.MaxLength)
            throw new UserInputException(string.Format(CultureInfo.InvariantCulture,
                "{0}: the embedding table would hold {1:N0} numbers, more than one array can ({2:N0}); use a smaller embedding size.", what, table, Array.MaxLength));
        if (first > Array.MaxLength)
            throw new UserInputException(string.Format(CultureInfo.InvariantCulture,
                "{0}: the first hidden layer would hold {1:N0} weights, more than one array can ({2:N0}); use a smaller embedding size or hidden width.", what, first, Array.MaxLength));
        long activations = 0;
        if (batchSize > 0 && model != "lr")
        {
            activations = (long)batchSize * Math.Max(0, space.FieldCount) * k;
            if (activations > Array.MaxLength)
                throw new UserInputException(string.Format(CultureInfo.InvariantCulture,
                    "{0}: one batch of {1:N0} rows would need {2:N0} embedding numbers (batch × fields × k), more than one array can ({3:N0}); use a smaller batch or embedding size.",
                    what, batchSize, activations, Array.MaxLength));
        }
        double need = (double)total * BytesPerParameter + (double)activations * BytesPerActivation;
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available > 0 && need > available)
            throw new UserInputException(string.Format(CultureInfo.InvariantCulture,
                "{0}: training would need at least {1} ({2:N0} parameters{3}), more than the {4} of memory available; use a smaller embedding size{5}.",
                what, Bytes(need), total, activations > 0 ? string.Format(CultureInfo.InvariantCulture, ", {0:N0} activations per batch of {1:N0}", activations, batchSize) : "",
                Bytes(available), activations > 0 ? ", batch" : ""));
    }

    private static string Bytes(double b) =>
        b >= 1L << 30 ? string.Format(CultureInfo.InvariantCulture, "{0:F1} GiB", b / (1L << 30))
        : string.Format(CultureInfo.InvariantCulture, "{0:F0} MiB", b / (1L << 20));
}
