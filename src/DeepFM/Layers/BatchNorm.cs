using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// Batch normalisation over the batch dimension (Ioffe &amp; Szegedy 2015): <c>y = γ·(x−μ_B)/√(σ²_B+ε) + β</c> in training,
/// with running statistics (momentum 0.1, unbiased variance, as PyTorch) used in evaluation. The running statistics
/// are saved with the model as non-trainable parameters.
/// </summary>
public sealed class BatchNorm : Layer
{
    private const float Epsilon = 1e-5f;
    private const float Momentum = 0.1f;
    private readonly Matrix _output = new();
    private readonly Matrix _gradInput = new();
    private readonly Matrix _normalized = new();
    private readonly float[] _invStd;

    /// <summary>Creates the layer for <paramref name="features"/> columns.</summary>
    public BatchNorm(int features)
    {
        Features = features;
        Gamma = AddParameter("gamma", 1, features);
        Beta = AddParameter("beta", 1, features);
        RunningMean = AddParameter("running_mean", 1, features, trainable: false);
        RunningVar = AddParameter("running_var", 1, features, trainable: false);
        Array.Fill(Gamma.Value, 1f);
        Array.Fill(RunningVar.Value, 1f);
        _invStd = new float[features];
    }

    /// <summary>Number of normalised columns.</summary>
    public int Features { get; }

    /// <summary>Scale γ.</summary>
    public Parameter Gamma { get; }

    /// <summary>Shift β.</summary>
    public Parameter Beta { get; }

    /// <summary>Running mean used in evaluation.</summary>
    public Parameter RunningMean { get; }

    /// <summary>Running (unbiased) variance used in evaluation.</summary>
    public Parameter RunningVar { get; }

    /// <inheritdoc />
    public override Matrix Forward(Matrix input)
    {
        int b = input.Rows, f = Features;
        var x = input.Span;
        _output.Reshape(b, f);
        var y = _output.Span;
        var gamma = Gamma.Value;
        var beta = Beta.Value;
        if (!IsTraining || b < 2)
        {
            var rm = RunningMean.Value;
            var rv = RunningVar.Value;
            for (int j = 0; j < f; j++) _invStd[j] = 1f / MathF.Sqrt(rv[j] + Epsilon);
            _normalized.Reshape(b, f);
            var xn = _normalized.Span;
            for (int r = 0; r < b; r++)
                for (int j = 0; j < f; j++)
                {
                    float n = (x[r * f + j] - rm[j]) * _invStd[j];
                    xn[r * f + j] = n;
                    y[r * f + j] = gamma[j] * n + beta[j];
                }
            return _output;
        }

        Span<double> mean = f <= 1024 ? stackalloc double[f] : new double[f];
        Span<double> var = f <= 1024 ? stackalloc double[f] : new double[f];
        mean.Clear();
        var.Clear();
        for (int r = 0; r < b; r++)
            for (int j = 0; j < f; j++) mean[j] += x[r * f + j];
        for (int j = 0; j < f; j++) mean[j] /= b;
        for (int r = 0; r < b; r++)
            for (int j = 0; j < f; j++)
            {
                double d = x[r * f + j] - mean[j];
                var[j] += d * d;
            }
        _normalized.Reshape(b, f);
        var xhat = _normalized.Span;
        var runMean = RunningMean.Value;
        var runVar = RunningVar.Value;
        for (int j = 0; j < f; j++)
        {
            double biased = var[j] / b;
            _invStd[j] = (float)(1.0 / Math.Sqrt(biased + Epsilon));
            runMean[j] = (1 - Momentum) * runMean[j] + Momentum * (float)mean[j];
            runVar[j] = (1 - Momentum) * runVar[j] + Momentum * (float)(var[j] / (b - 1));
        }
        for (int r = 0; r < b; r++)
            for (int j = 0; j < f; j++)
            {
                float n = (float)(x[r * f + j] - mean[j]) * _invStd[j];
                xhat[r * f + j] = n;
                y[r * f + j] = gamma[j] * n + beta[j];
            }
        return _output;
    }

    /// <summary>ONNX BatchNormalization in inference mode: <c>γ(x − running_mean)/√(running_var + ε) + β</c>, the
    /// evaluation branch of <see cref="Forward"/>. Its per-channel inputs are 1-D, so the <c>1 × F</c> parameters are
    /// stored as <c>[F]</c>.</summary>
    public override string ToOnnx(Export.OnnxGraph graph, string input)
    {
        string prefix = Gamma.Name.EndsWith(".gamma", StringComparison.Ordinal) ? Gamma.Name[..^".gamma".Length] : "batch_norm";
        return graph.Node("BatchNormalization",
            [input, graph.Parameter(Gamma, Features), graph.Parameter(Beta, Features), graph.Parameter(RunningMean, Features), graph.Parameter(RunningVar, Features)],
            prefix + ".batch_norm", Export.OnnxAttribute.Float("epsilon", Epsilon));
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput)
    {
        int b = gradOutput.Rows, f = Features;
        var dy = gradOutput.Span;
        _gradInput.Reshape(b, f);
        var dx = _gradInput.Span;
        var gamma = Gamma.Value;
        var xhat = _normalized.Span;
        if (!IsTraining || b < 2)
        {
            // Running statistics are constants here: y = γ·x̂ + β with x̂ affine in x.
            for (int r = 0; r < b; r++)
                for (int j = 0; j < f; j++)
                {
                    int i = r * f + j;
                    dx[i] = dy[i] * gamma[j] * _invStd[j];
                    Gamma.Grad[j] += dy[i] * xhat[i];
                    Beta.Grad[j] += dy[i];
                }
            return _gradInput;
        }
        Span<double> sumDy = f <= 1024 ? stackalloc double[f] : new double[f];
        Span<double> sumDyXhat = f <= 1024 ? stackalloc double[f] : new double[f];
        sumDy.Clear();
        sumDyXhat.Clear();
        for (int r = 0; r < b; r++)
            for (int j = 0; j < f; j++)
            {
                float g = dy[r * f + j];
                sumDy[j] += g;
                sumDyXhat[j] += g * xhat[r * f + j];
            }
        var dGamma = Gamma.Grad;
        var dBeta = Beta.Grad;
        for (int j = 0; j < f; j++)
        {
            dGamma[j] += (float)sumDyXhat[j];
            dBeta[j] += (float)sumDy[j];
        }
        // dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂))
        for (int r = 0; r < b; r++)
            for (int j = 0; j < f; j++)
            {
                int i = r * f + j;
                dx[i] = gamma[j] * _invStd[j] * (float)(dy[i] - sumDy[j] / b - xhat[i] * sumDyXhat[j] / b);
            }
        return _gradInput;
    }
}
