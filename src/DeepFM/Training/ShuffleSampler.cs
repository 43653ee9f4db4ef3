using DeepFM.Engine;

namespace DeepFM.Training;

/// <summary>A full shuffle per epoch: epoch e visits the rows in a uniformly random permutation drawn from its own
/// stream <c>Derive(seed, 7919 + e)</c>, so any epoch's order is known without replaying the earlier ones.</summary>
public sealed class ShuffleSampler(long seed) : ISampler
{
    /// <summary>The seed the per-epoch streams derive from.</summary>
    public long Seed { get; } = seed;

    /// <inheritdoc />
    public void Order(int epoch, Span<int> order)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Rng.Derive(Seed, 7919 + epoch).Shuffle(order);
    }
}
