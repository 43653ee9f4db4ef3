using DeepFM.Data;

namespace DeepFM.Tests;

public class BatchTests
{
    [Fact]
    public void GatherCopiesSelectedRowsInOrder()
    {
        // 3 rows × 2 fields; row r has ids (10r, 10r+1), values (r, -r), label r%2.
        var set = new InMemoryRowSet(2, [0, 1, 10, 11, 20, 21], [0, 0, 1, -1, 2, -2], [0, 1, 0]);
        var batch = new Batch(4, 2);
        set.Gather([2, 0], batch);
        Assert.Equal(2, batch.Size);
        Assert.Equal(new[] { 20, 21, 0, 1 }, batch.Ids.ToArray());
        Assert.Equal(new float[] { 2, -2, 0, 0 }, batch.Values.ToArray());
        Assert.Equal(new float[] { 0, 0 }, batch.Labels.ToArray());
    }
}
