using DeepFM.Training;

namespace DeepFM.Tests.Training;

/// <summary>The block shuffle: a permutation every epoch, reproducible per epoch, local to windows of blocks, and
/// different between epochs.</summary>
public sealed class BlockShuffleSamplerTests
{
    [Theory]
    [InlineData(10_000, 256, 4)]
    [InlineData(1_000, 300, 2)]    // a partial last block
    [InlineData(5, 100, 8)]        // fewer rows than one block
    public void Every_epoch_is_a_permutation_whose_windows_hold_whole_blocks(int n, int blockRows, int window)
    {
        var sampler = new BlockShuffleSampler(seed: 3, blockRows, window);
        var order = new int[n];
        sampler.Order(1, order);
        Assert.Equal(Enumerable.Range(0, n), order.Order());
        // Walk the order window by window: a window is complete once it holds every row of `window` blocks (fewer at
        // the end); a row of a further block before that breaks the locality.
        int Size(int block) => Math.Min(n, (block + 1) * blockRows) - block * blockRows;
        var blocks = new HashSet<int>();
        int rows = 0, windows = 0;
        foreach (int r in order)
        {
            blocks.Add(r / blockRows);
            Assert.True(blocks.Count <= window, $"window {windows} reaches a block beyond its {window}");
            rows++;
            if (blocks.Count == window && rows == blocks.Sum(Size))
            {
                blocks.Clear();
                rows = 0;
                windows++;
            }
        }
        // Every full window closed, and what is left is the last, smaller window, made of whole blocks.
        int totalBlocks = (n + blockRows - 1) / blockRows;
        Assert.Equal(totalBlocks / window, windows);
        Assert.Equal(rows, blocks.Sum(Size));
    }

    [Fact]
    public void An_epochs_order_is_reproducible_and_epochs_differ()
    {
        var a = new int[4096];
        var b = new int[4096];
        var c = new int[4096];
        new BlockShuffleSampler(7, 128, 4).Order(2, a);
        new BlockShuffleSampler(7, 128, 4).Order(2, b);
        new BlockShuffleSampler(7, 128, 4).Order(3, c);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        // Rows move: far fewer than chance stay at their own position, and the first batch mixes several blocks.
        Assert.True(a.Where((r, i) => r == i).Count() < 50);
        Assert.True(a.Take(256).Select(r => r / 128).Distinct().Count() >= 3);
    }
}
