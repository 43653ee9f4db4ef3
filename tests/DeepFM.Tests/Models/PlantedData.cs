using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Evaluation;
using DeepFM.Models;

namespace DeepFM.Tests.Models;

/// <summary>
/// A small in-memory CTR problem with a known answer: 6 fields × 20 values, every value of every field uniform, and
/// <c>P(y = 1) = sigmoid(b + Σ_f w_f[x_f] + c · s[x_0] · t[x_1])</c> — order-1 effects plus one strong rank-1
/// interaction between fields 0 and 1 that LR cannot represent and an FM (or a DNN) can.
/// </summary>
internal sealed class PlantedData
{
    public const int Fields = 6, Values = 20;

    public required InMemoryRowSet Train { get; init; }
    public required InMemoryRowSet Valid { get; init; }
    public required InMemoryRowSet Test { get; init; }

    /// <summary>AUC of the planted probabilities on the test rows: the best any model can expect.</summary>
    public required double TruthAuc { get; init; }

    public static FeatureSpace Space => new(Fields, Fields * Values);

    public static PlantedData Create(int train, int valid, int test, ulong seed, float interaction = 2f)
    {
        var rng = new Rng(seed);
        var w = new double[Fields * Values];
        for (int i = 0; i < w.Length; i++) w[i] = rng.NextGaussian() * 0.5;
        var s = new double[Values];
        var t = new double[Values];
        for (int v = 0; v < Values; v++) { s[v] = rng.NextGaussian(); t[v] = rng.NextGaussian(); }
        const double bias = -0.3;

        (InMemoryRowSet Rows, float[] Truth) Make(int n)
        {
            var ids = new int[n * Fields];
            var values = new float[n * Fields];
            var labels = new float[n];
            var truth = new float[n];
            Array.Fill(values, 1f);
            for (int r = 0; r < n; r++)
            {
                double logit = bias;
                for (int f = 0; f < Fields; f++)
                {
                    int id = f * Values + rng.NextInt(Values);
                    ids[r * Fields + f] = id;
                    logit += w[id];
                }
                logit += interaction * s[ids[r * Fields]] * t[ids[r * Fields + 1] - Values];
                double p = 1 / (1 + Math.Exp(-logit));
                truth[r] = (float)p;
                labels[r] = rng.NextDouble() < p ? 1 : 0;
            }
            return (new InMemoryRowSet(Fields, ids, values, labels), truth);
        }

        var tr = Make(train);
        var va = Make(valid);
        var te = Make(test);
        return new PlantedData
        {
            Train = tr.Rows,
            Valid = va.Rows,
            Test = te.Rows,
            TruthAuc = Metrics.Auc(te.Truth, te.Rows.Labels),
        };
    }
}
