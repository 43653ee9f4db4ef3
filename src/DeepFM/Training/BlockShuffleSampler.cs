using DeepFM.Engine;

namespace DeepFM.Training;

/// <summary>
/// A shuffle that reads a cache larger than memory almost sequentially, as libffm's, xLearn's and FuxiCTR's streaming
/// loaders do: the rows are cut into blocks of <see cref="BlockRows"/> consecutive rows, the order of the blocks is
/// shuffled, and the rows of each window of <see cref="WindowBlocks"/> consecutive blocks (in that shuffled order) are
/// shuffled among themselves. An epoch then touches one window — <c>BlockRows × WindowBlocks</c> rows of the cache —
/// at a time instead of the whole file, while every row still moves anywhere in the epoch and batches mix rows of
/// several distant blocks. Epoch e's order comes from its own stream, so any epoch's order is known without
/// replaying the earlier ones (resume, several processes).
/// </summary>
public sealed class BlockShuffleSampler : ISampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="seed">Seed of the per-epoch streams.</param>
    /// <param name="blockRows">Consecutive rows per block (default 65,536: ~20 MB of a 39-field cache).</param>
    /// <param name="windowBlocks">Blocks whose rows are shuffled together (default 8).</param>
    public BlockShuffleSampler(long seed, int blockRows = 65_536, int windowBlocks = 8)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockRows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowBlocks);
        Seed = seed;
        BlockRows = blockRows;
        WindowBlocks = windowBlocks;
    }

    /// <summary>The seed the per-epoch streams derive from.</summary>
    public long Seed { get; }

    /// <summary>Consecutive rows per block.</summary>
    public int BlockRows { get; }

    /// <summary>Blocks per shuffling window.</summary>
    public int WindowBlocks { get; }

    /// <inheritdoc />
    public void Order(int epoch, Span<int> order)
    {
        int n = order.Length;
        if (n == 0) return;
        // A stream of its own (not ShuffleSampler's), so the two samplers never share draws.
        var rng = Rng.Derive(Seed, 104_729 + epoch);
        int blocks = (int)(((long)n + BlockRows - 1) / BlockRows);
        var blockOrder = new int[blocks];   // once per epoch: not a per-step allocation
        for (int i = 0; i < blocks; i++) blockOrder[i] = i;
        rng.Shuffle(blockOrder);
        int written = 0;
        for (int w = 0; w < blocks; w += WindowBlocks)
        {
            int windowStart = written;
            for (int k = w; k < Math.Min(blocks, w + WindowBlocks); k++)
            {
                int first = blockOrder[k] * BlockRows, end = (int)Math.Min(n, (long)first + BlockRows);
                for (int r = first; r < end; r++) order[written++] = r;
            }
            rng.Shuffle(order[windowStart..written]);
        }
    }
}
