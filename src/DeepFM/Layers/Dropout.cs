using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// Inverted dropout: in training each unit is zeroed with probability <see cref="Rate"/> and survivors are scaled by
/// <c>1/(1−rate)</c>; in evaluation it is the identity. <see cref="Rate"/> is the DROP rate; the paper's "dropout" is
/// the KEEP probability (paper 0.5 keep = rate 0.5 here; paper 0.9 = rate 0.1).
/// </summary>
public sealed class Dropout : Layer
{
    private readonly Matrix _output = new();
    private readonly Matrix _gradInput = new();
    private float[] _mask = [];
    private readonly Rng _rng;
    private bool _masked;

    /// <summary>Creates the layer with its own deterministic random stream.</summary>
    public Dropout(float rate, Rng rng)
    {
        if (rate is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(rate), "Dropout rate must be in [0, 1).");
        Rate = rate;
        _rng = rng;
    }

    /// <summary>Probability of dropping a unit.</summary>
    public float Rate { get; }

    /// <inheritdoc />
    public override Matrix Forward(Matrix input)
    {
        _masked = IsTraining && Rate > 0;
        if (!_masked) return input;
        int n = input.Rows * input.Cols;
        if (_mask.Length < n) _mask = new float[n];
        _output.Reshape(input.Rows, input.Cols);
        var x = input.Span;
        var y = _output.Span;
        float scale = 1f / (1f - Rate);
        for (int i = 0; i < n; i++)
        {
            float m = _rng.NextFloat() >= Rate ? scale : 0f;
            _mask[i] = m;
            y[i] = x[i] * m;
        }
        return _output;
    }

    /// <summary>Dropout is the identity in evaluation mode, so it adds no node.</summary>
    public override string ToOnnx(Export.OnnxGraph graph, string input) => input;

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput)
    {
        if (!_masked) return gradOutput;
        _gradInput.Reshape(gradOutput.Rows, gradOutput.Cols);
        System.Numerics.Tensors.TensorPrimitives.Multiply(gradOutput.Span, _mask.AsSpan(0, gradOutput.Span.Length), _gradInput.Span);
        return _gradInput;
    }
}
