using DeepFM.Engine;

namespace DeepFM.Layers;

/// <summary>
/// The deep component of the paper's eq. 4: <c>a⁽ˡ⁺¹⁾ = σ(W⁽ˡ⁾a⁽ˡ⁾ + b⁽ˡ⁾)</c> for each hidden layer
/// (Linear → [BatchNorm] → activation → [Dropout]), then, if <c>outputs &gt; 0</c>, a final linear layer to
/// <c>outputs</c> units (one logit for <c>y_DNN</c>).
/// </summary>
public static class Mlp
{
    /// <summary>Builds the stack for input width <paramref name="inputs"/>.</summary>
    public static Sequential Build(int inputs, MlpSpec spec, int outputs, long seed, int stream)
    {
        var seq = new Sequential();
        int width = inputs;
        int s = stream * 100;
        foreach (int h in spec.Hidden)
        {
            seq.Add(new Linear(width, h, Rng.Derive(seed, s++)));
            if (spec.BatchNorm) seq.Add(new BatchNorm(h));
            seq.Add(new Activation(spec.Activation));
            if (spec.Dropout > 0) seq.Add(new Dropout(spec.Dropout, Rng.Derive(seed, s++)));
            width = h;
        }
        if (outputs > 0) seq.Add(new Linear(width, outputs, Rng.Derive(seed, s)));
        return seq;
    }
}
