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
    public override Matrix Forward(Matrix input, Workspace ws)
    {
        var state = ws.State<State>(this);
        if (state.InvStd.Length != Features) state.InvStd = new float[Features];
        state.BatchStatistics = ws.IsTraining && input.Rows >= 2;
        var invStd = state.InvStd;
        var normalized = state.Normalized;
        var output = state.Output;
        int b = input.Rows, f = Features;
        var x = input.Span;
        output.Reshape(b, f);
        var y = output.Span;
        var gamma = Gamma.Value;
        var beta = Beta.Value;
        if (!state.BatchStatistics)
        {
            var rm = RunningMean.Value;
            var rv = RunningVar.Value;
            for (int j = 0; j < f; j++) invStd[j] = 1f / MathF.Sqrt(rv[j] + Epsilon);
            normalized.Reshape(b, f);
            var xn = normalized.Span;
            for (int r = 0; r < b; r++)
                for (int j = 0; j < f; j++)
                {
                    float n = (x[r * f + j] - rm[j]) * invStd[j];
                    xn[r * f + j] = n;
                    y[r * f + j] = gamma[j] * n + beta[j];
                }
            return output;
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
        normalized.Reshape(b, f);
        var xhat = normalized.Span;
        var runMean = RunningMean.Value;
        var runVar = RunningVar.Value;
        for (int j = 0; j < f; j++)
        {
            double biased = var[j] / b;
            invStd[j] = (float)(1.0 / Math.Sqrt(biased + Epsilon));
            runMean[j] = (1 - Momentum) * runMean[j] + Momentum * (float)mean[j];
            runVar[j] = (1 - Momentum) * runVar[j] + Momentum * (float)(var[j] / (b - 1));
        }
        for (int r = 0; r < b; r++)
            for (int j = 0; j < f; j++)
            {
                float n = (float)(x[r * f + j] - mean[j]) * invStd[j];
                xhat[r * f + j] = n;
                y[r * f + j] = gamma[j] * n + beta[j];
            }
        return output;
    }

    /// <summary>What one workspace keeps: <c>x̂</c> and <c>1/σ</c> of the last pass (backward needs both) and
    /// whether it normalised with batch or running statistics.</summary>
    private sealed class State
    {
        public bool BatchStatistics;
        public float[] InvStd = [];
        public readonly Matrix Normalized = new();
        public readonly Matrix Output = new();
        public readonly Matrix GradInput = new();
    }

    /// <summary>ONNX BatchNormalization in inference mode: <c>γ(x − running_mean)/√(running_var + ε) + β</c>, the
    /// evaluation branch of <see cref="Forward"/>. Its per-channel inputs are 1-D, so the <c>1 × F</c> parameters are
    /// stored as <c>[F]</c>.</summary>
    public override string ToOnnx(IOnnxGraph graph, string input)
    {
        string prefix = Gamma.Name.EndsWith(".gamma", StringComparison.Ordinal) ? Gamma.Name[..^".gamma".Length] : "batch_norm";
        return graph.Node("BatchNormalization",
            [input, graph.Parameter(Gamma, Features), graph.Parameter(Beta, Features), graph.Parameter(RunningMean, Features), graph.Parameter(RunningVar, Features)],
            prefix + ".batch_norm", OnnxAttribute.Float("epsilon", Epsilon));
    }

    /// <inheritdoc />
    public override Matrix Backward(Matrix gradOutput, Workspace ws)
    {
        var state = ws.State<State>(this);
        var invStd = state.InvStd;
        var gradInput = state.GradInput;
        int b = gradOutput.Rows, f = Features;
        var dy = gradOutput.Span;
        gradInput.Reshape(b, f);
        var dx = gradInput.Span;
        var gamma = Gamma.Value;
        var xhat = state.Normalized.Span;
        if (!state.BatchStatistics)
        {
            // Running statistics are constants here: y = γ·x̂ + β with x̂ affine in x.
            for (int r = 0; r < b; r++)
                for (int j = 0; j < f; j++)
                {
                    int i = r * f + j;
                    dx[i] = dy[i] * gamma[j] * invStd[j];
                    Gamma.Grad[j] += dy[i] * xhat[i];
                    Beta.Grad[j] += dy[i];
                }
            return gradInput;
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
                dx[i] = gamma[j] * invStd[j] * (float)(dy[i] - sumDy[j] / b - xhat[i] * sumDyXhat[j] / b);
            }
        return gradInput;
    }
}
