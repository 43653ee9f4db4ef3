using DeepFM.Data;
using DeepFM.Engine;
using DeepFM.Evaluation;
using DeepFM.Layers;
using DeepFM.Models;
using DeepFM.Training;

namespace DeepFM.Tests.Models;

/// <summary>Multi-valued fields through the sum-pooled embedding: the lookup against hand sums, its gradient against
/// finite differences, equivalence with fixed-width rows, and models learning from a field of several values.</summary>
public sealed class MultiValuedFieldTests
{
    /// <summary>Two rows of three fields: row 0 holds {1}, {4 ×0.5, 5 ×2}, {} ; row 1 holds {2}, {6}, {7, 8, 9}.</summary>
    private static Batch Jagged()
    {
        var batch = new Batch(2, 3, entryCapacity: 8);
        int[] ids = [1, 4, 5, 2, 6, 7, 8, 9];
        float[] values = [1, 0.5f, 2, 1, 1, 1, 1, 1];
        int[] offsets = [0, 1, 3, 3, 4, 5, 8];
        ids.CopyTo(batch.IdBuffer, 0);
        values.CopyTo(batch.ValueBuffer, 0);
        offsets.CopyTo(batch.OffsetBuffer, 0);
        batch.LabelBuffer[0] = 1;
        batch.Size = 2;
        return batch;
    }

    [Fact]
    public void A_field_of_several_values_is_the_value_weighted_sum_of_their_embeddings()
    {
        var embedding = new Embedding(10, 3, 0.5f, new Rng(1));
        var v = embedding.Table.Value;
        var output = embedding.Forward(Jagged(), new Workspace(false, ComputeContext.Serial)).Span.ToArray();
        float E(int id, int d) => v[id * 3 + d];
        for (int d = 0; d < 3; d++)
        {
            Assert.Equal(E(1, d), output[0 * 3 + d], 6);
            Assert.Equal(0.5f * E(4, d) + 2 * E(5, d), output[1 * 3 + d], 6);
            Assert.Equal(0f, output[2 * 3 + d]);   // an empty field
            Assert.Equal(E(2, d), output[3 * 3 + d], 6);
            Assert.Equal(E(6, d), output[4 * 3 + d], 6);
            Assert.Equal(E(7, d) + E(8, d) + E(9, d), output[5 * 3 + d], 5);
        }
    }

    [Fact]
    public void The_pooled_lookup_gradient_matches_finite_differences()
    {
        var embedding = new Embedding(10, 3, 0.5f, new Rng(2));
        var batch = Jagged();
        var rng = new Random(3);
        float[] c = [.. Enumerable.Range(0, 2 * 3 * 3).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
        double Loss()
        {
            var y = embedding.Forward(batch, new Workspace(false, ComputeContext.Serial)).Span;
            double s = 0;
            for (int i = 0; i < c.Length; i++) s += c[i] * y[i];
            return s;
        }
        var ws = new Workspace(true, ComputeContext.Serial);
        embedding.Forward(batch, ws);
        var grad = new Matrix();
        grad.Reshape(2, 9);
        c.CopyTo(grad.Span);
        Array.Clear(embedding.Table.Grad);
        embedding.Backward(grad, ws);
        var v = embedding.Table.Value;
        for (int i = 0; i < v.Length; i++)
        {
            float keep = v[i];
            v[i] = keep + 1e-2f;
            double up = Loss();
            v[i] = keep - 1e-2f;
            double down = Loss();
            v[i] = keep;
            Assert.Equal((up - down) / 2e-2, embedding.Table.Grad[i], 3);
        }
    }

    [Fact]
    public void One_value_per_field_gives_what_the_fixed_width_batch_gives()
    {
        var model = ModelRegistry.Create(new ModelConfig { Model = "deepfm", EmbeddingSize = 4, Hidden = [8], Dropout = 0 }, new FeatureSpace(3, 30));
        var rng = new Random(4);
        var fixedBatch = new Batch(16, 3) { Size = 16 };
        var jagged = new Batch(16, 3, entryCapacity: 48) { Size = 16 };
        for (int i = 0; i < 48; i++)
        {
            int id = (i % 3) * 10 + rng.Next(10);
            float x = (float)rng.NextDouble() + 0.5f;
            fixedBatch.IdBuffer[i] = jagged.IdBuffer[i] = id;
            fixedBatch.ValueBuffer[i] = jagged.ValueBuffer[i] = x;
            jagged.OffsetBuffer[i + 1] = i + 1;
        }
        var a = model.Forward(fixedBatch, new Workspace(false, ComputeContext.Serial)).Span.ToArray();
        var b = model.Forward(jagged, new Workspace(false, ComputeContext.Serial)).Span.ToArray();
        Assert.Equal(a, b);
    }

    /// <summary>Rows of a user field and a multi-valued "recent items" field of 1–5 items; the click depends on whether
    /// any recent item shares the user's group (an interaction only a model of the bag can see).</summary>
    private static JaggedRowSet Bags(int rows, int seed)
    {
        var rng = new Random(seed);
        var offsets = new long[rows * 2 + 1];
        var ids = new List<int>();
        var labels = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            int user = rng.Next(20);
            ids.Add(user);
            offsets[2 * r + 1] = ids.Count;
            int n = 1 + rng.Next(5);
            bool match = false;
            for (int t = 0; t < n; t++)
            {
                int item = rng.Next(40);
                match |= item % 4 == user % 4;
                ids.Add(20 + item);
            }
            offsets[2 * r + 2] = ids.Count;
            double logit = match ? 1.2 : -1.2;
            labels[r] = rng.NextDouble() < 1 / (1 + Math.Exp(-logit)) ? 1 : 0;
        }
        return new JaggedRowSet(2, offsets, [.. ids], [.. Enumerable.Repeat(1f, ids.Count)], labels);
    }

    [Theory]
    [InlineData("deepfm")]
    [InlineData("fm")]
    public void Models_learn_from_a_field_of_several_values(string name)
    {
        var train = Bags(8000, 5);
        var test = Bags(2000, 6);
        var model = ModelRegistry.Create(new ModelConfig { Model = name, EmbeddingSize = 8, Hidden = [16], Dropout = 0, BatchNorm = false, L2Embedding = 0 }, new FeatureSpace(2, 60));
        new Trainer(new TrainOptions { Epochs = 10, BatchSize = 256, LearningRate = 0.01f, Threads = 1 }).Fit(model, train, null);
        var auc = EvalResult.Of(Predictor.Predict(model, test), Predictor.Labels(test)).Auc;
        // The label is a noisy function of (user group, bag): well above chance once the interaction is learned.
        Assert.True(auc > 0.68, $"{name} test AUC {auc}");
    }
}
