using System.Globalization;
using DeepFM.Layers;
using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Experiments;

/// <summary>The hyper-parameter study of Section 3.3: one parameter swept over its values for a list of deep models.</summary>
public static class Study
{
    /// <summary>Parses a parameter name (activation, dropout, neurons, layers, shape).</summary>
    public static StudyParameter ParseParameter(string text) => text.Trim().ToLowerInvariant() switch
    {
        "activation" or "activations" => StudyParameter.Activation,
        "dropout" or "keep" => StudyParameter.Dropout,
        "neurons" or "neurons-per-layer" or "width" => StudyParameter.Neurons,
        "layers" or "hidden-layers" or "depth" => StudyParameter.Layers,
        "shape" or "network-shape" => StudyParameter.Shape,
        _ => throw new UserInputException($"--param must be activation, dropout, neurons, layers or shape, not '{text}'."),
    };

    /// <summary>Lower-case name of a parameter, as in file names (<c>dropout-auc.png</c>).</summary>
    public static string Name(StudyParameter p) => p.ToString().ToLowerInvariant();

    /// <summary>Column title / axis label of a parameter.</summary>
    public static string Title(StudyParameter p) => p switch
    {
        StudyParameter.Activation => "Activation",
        StudyParameter.Dropout => "Dropout (keep probability)",
        StudyParameter.Neurons => "Neurons per layer",
        StudyParameter.Layers => "Hidden layers",
        StudyParameter.Shape => "Network shape",
        _ => p.ToString(),
    };

    /// <summary>The paper's values of a parameter (dropout as keep probabilities).</summary>
    public static IReadOnlyList<string> DefaultValues(StudyParameter p) => p switch
    {
        StudyParameter.Activation => ["relu", "tanh"],
        StudyParameter.Dropout => ["1.0", "0.9", "0.8", "0.7", "0.6", "0.5"],
        StudyParameter.Neurons => ["100", "200", "400", "800"],
        StudyParameter.Layers => ["1", "3", "5", "7"],
        StudyParameter.Shape => ["constant", "increasing", "decreasing", "diamond"],
        _ => [],
    };

    /// <summary>The paper's "dropout" (probability that a neuron is KEPT) as this library's drop rate: 1 − keep.</summary>
    public static float KeepToDropRate(double keep)
    {
        if (!(keep > 0 && keep <= 1)) throw new UserInputException($"A dropout keep probability must be in (0, 1], got {keep.ToString(CultureInfo.InvariantCulture)}.");
        return (float)Math.Round(1 - keep, 6);
    }

    /// <summary>This library's drop rate as the paper's keep probability: 1 − drop.</summary>
    public static double DropRateToKeep(float dropRate) => Math.Round(1 - (double)dropRate, 6);

    /// <summary>Parses a shape name.</summary>
    public static NetworkShape ParseShape(string text) => text.Trim().ToLowerInvariant() switch
    {
        "constant" => NetworkShape.Constant,
        "increasing" => NetworkShape.Increasing,
        "decreasing" => NetworkShape.Decreasing,
        "diamond" => NetworkShape.Diamond,
        _ => throw new UserInputException($"Network shape must be constant, increasing, decreasing or diamond, not '{text}'."),
    };

    /// <summary>
    /// Widths of <paramref name="layers"/> hidden layers of <paramref name="total"/> neurons in all, in the proportions of
    /// <paramref name="shape"/> (rounded so they add up to the total exactly). 3 layers, 600 neurons: constant 200-200-200,
    /// increasing 100-200-300, decreasing 300-200-100, diamond 150-300-150.
    /// </summary>
    public static int[] Shape(NetworkShape shape, int layers, int total)
    {
        if (layers < 1) throw new UserInputException($"The number of hidden layers must be at least 1, got {layers}.");
        if (total < layers) throw new UserInputException($"{total} neurons cannot fill {layers} layers (at least one each).");
        var weights = new double[layers];
        for (int i = 0; i < layers; i++)
            weights[i] = shape switch
            {
                NetworkShape.Constant => 1,
                NetworkShape.Increasing => i + 1,
                NetworkShape.Decreasing => layers - i,
                NetworkShape.Diamond => Math.Min(i + 1, layers - i),
                _ => 1,
            };
        double sum = weights.Sum();
        // Largest remainder: floor of each exact share, then the leftover neurons to the largest fractions (earliest first on ties).
        var widths = new int[layers];
        var exact = weights.Select(w => total * w / sum).ToArray();
        for (int i = 0; i < layers; i++) widths[i] = Math.Max(1, (int)Math.Floor(exact[i] + 1e-9));
        int left = total - widths.Sum();
        foreach (int i in Enumerable.Range(0, layers).OrderByDescending(i => exact[i] - Math.Floor(exact[i] + 1e-9)).ThenBy(i => i))
        {
            if (left <= 0) break;
            widths[i]++;
            left--;
        }
        for (int i = layers - 1; left < 0 && i >= 0; i--)
            while (left < 0 && widths[i] > 1) { widths[i]--; left++; }
        return widths;
    }

    /// <summary>The values of a sweep: <paramref name="values"/> (or the paper's when null/empty), each as a change to a base configuration.</summary>
    public static IReadOnlyList<StudyValue> Values(StudyParameter p, IReadOnlyList<string>? values, StudySizes sizes)
    {
        var texts = values is { Count: > 0 } ? values : DefaultValues(p);
        var list = new List<StudyValue>();
        foreach (string raw in texts)
        {
            string v = raw.Trim();
            list.Add(p switch
            {
                StudyParameter.Activation => ActivationValue(v),
                StudyParameter.Dropout => DropoutValue(v),
                StudyParameter.Neurons => NeuronsValue(v, sizes.Layers),
                StudyParameter.Layers => LayersValue(v, sizes.Neurons),
                StudyParameter.Shape => ShapeValue(v, sizes.Layers, sizes.Total),
                _ => throw new ArgumentOutOfRangeException(nameof(p)),
            });
        }
        if (list.Count == 0) throw new UserInputException("--values lists no value.");
        return list;
    }

    /// <summary>One run per model and value, model by model (so a cancelled study keeps whole lines of the figure).</summary>
    public static IReadOnlyList<ExperimentRun> Plan(IReadOnlyList<string> models, IReadOnlyList<StudyValue> values,
        Func<string, ModelConfig> baseConfig, Func<string, TrainOptions> training) =>
        [.. models.SelectMany(m => values.Select(v => new ExperimentRun(m, v.Label, v.Apply(baseConfig(m)), training(m))))];

    private static StudyValue ActivationValue(string v)
    {
        var kind = v.ToLowerInvariant() switch
        {
            "relu" => ActivationKind.Relu,
            "tanh" => ActivationKind.Tanh,
            "sigmoid" => ActivationKind.Sigmoid,
            _ => throw new UserInputException($"activation must be relu, tanh or sigmoid, not '{v}'."),
        };
        return new StudyValue(v.ToLowerInvariant(), c => c with { Activation = kind });
    }

    private static StudyValue DropoutValue(string v)
    {
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double keep))
            throw new UserInputException($"dropout values are keep probabilities such as 0.9, not '{v}'.");
        float drop = KeepToDropRate(keep);
        return new StudyValue(keep.ToString("0.0##", CultureInfo.InvariantCulture), c => c with { Dropout = drop });
    }

    private static int ParsePositive(string v, string what) =>
        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1
            ? n : throw new UserInputException($"{what} must be a positive whole number, not '{v}'.");

    private static StudyValue NeuronsValue(string v, int layers)
    {
        int n = ParsePositive(v, "neurons per layer");
        var hidden = Enumerable.Repeat(n, layers).ToArray();
        return new StudyValue(n.ToString(CultureInfo.InvariantCulture), c => c with { Hidden = [.. hidden] });
    }

    private static StudyValue LayersValue(string v, int neurons)
    {
        int n = ParsePositive(v, "hidden layers");
        var hidden = Enumerable.Repeat(neurons, n).ToArray();
        return new StudyValue(n.ToString(CultureInfo.InvariantCulture), c => c with { Hidden = [.. hidden] });
    }

    private static StudyValue ShapeValue(string v, int layers, int total)
    {
        var shape = ParseShape(v);
        var hidden = Shape(shape, layers, total);
        return new StudyValue(shape.ToString().ToLowerInvariant(), c => c with { Hidden = [.. hidden] });
    }
}
