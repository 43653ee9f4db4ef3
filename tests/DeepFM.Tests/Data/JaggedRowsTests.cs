using DeepFM.Data;
using DeepFM.Features;
using DeepFM.Preparation;

namespace DeepFM.Tests.Data;

/// <summary>Rows of any length in the data layer: jagged batches, in-memory and memory-mapped jagged row sets, and the
/// version-3 cache, each checked entry by entry against the lists the rows were built from.</summary>
public sealed class JaggedRowsTests
{
    private const int Fields = 3;

    /// <summary>Planted rows: field f of row r holds (r + f) % 4 entries (so some are empty), ids 1000·r + 10·f + j and
    /// values r + f + j/10, label r % 2.</summary>
    private static (JaggedRowSet Set, List<int>[][] Ids, List<float>[][] Values) Planted(int rows, bool unitValues = false)
    {
        var ids = new List<int>[rows][];
        var values = new List<float>[rows][];
        var offsets = new long[rows * Fields + 1];
        var allIds = new List<int>();
        var allValues = new List<float>();
        var labels = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            ids[r] = new List<int>[Fields];
            values[r] = new List<float>[Fields];
            for (int f = 0; f < Fields; f++)
            {
                ids[r][f] = [];
                values[r][f] = [];
                for (int j = 0; j < (r + f) % 4; j++)
                {
                    ids[r][f].Add(1000 * r + 10 * f + j);
                    values[r][f].Add(unitValues ? 1f : r + f + j / 10f);
                }
                allIds.AddRange(ids[r][f]);
                allValues.AddRange(values[r][f]);
                offsets[r * Fields + f + 1] = allIds.Count;
            }
            labels[r] = r % 2;
        }
        return (new JaggedRowSet(Fields, offsets, [.. allIds], [.. allValues], labels), ids, values);
    }

    private static void AssertRow(Batch batch, int slot, int row, List<int>[][] ids, List<float>[][] values)
    {
        for (int f = 0; f < Fields; f++)
        {
            var (start, length) = batch.Entries(slot, f);
            Assert.Equal(ids[row][f], batch.Ids.Slice(start, length).ToArray());
            Assert.Equal(values[row][f], batch.Values.Slice(start, length).ToArray());
        }
        Assert.Equal(row % 2, batch.Labels[slot]);
    }

    [Fact]
    public void A_fixed_width_batch_has_one_entry_per_field_at_row_times_m_plus_f()
    {
        var batch = new Batch(4, Fields) { Size = 3 };
        Assert.False(batch.IsJagged);
        Assert.Equal(9, batch.EntryCount);
        Assert.Equal((2 * Fields + 1, 1), batch.Entries(2, 1));
        Assert.True(batch.Offsets.IsEmpty);
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Entries(3, 0));
    }

    [Fact]
    public void Gathering_jagged_rows_keeps_every_entry_of_every_field_in_order()
    {
        var (set, ids, values) = Planted(50);
        Assert.True(((IRowSet)set).IsJagged);
        Assert.Equal(6, set.MaxRowEntries);   // rows with r % 4 == 1 hold 1 + 2 + 3 entries
        int[] pick = [7, 0, 49, 3, 3, 22, 1];
        var batch = ((IRowSet)set).CreateBatch(pick.Length);
        set.Gather(pick, batch);
        Assert.Equal(pick.Length, batch.Size);
        for (int i = 0; i < pick.Length; i++) AssertRow(batch, i, pick[i], ids, values);
        Assert.Equal(pick.Sum(r => Enumerable.Range(0, Fields).Sum(f => (r + f) % 4)), batch.EntryCount);

        set.Slice(10, 5, batch);
        for (int i = 0; i < 5; i++) AssertRow(batch, i, 10 + i, ids, values);
    }

    [Fact]
    public void A_jagged_batch_grows_to_the_widest_rows_and_keeps_what_it_holds()
    {
        var batch = new Batch(2, 2, entryCapacity: 1);
        batch.IdBuffer[0] = 42;
        batch.ValueBuffer[0] = 0.5f;
        batch.EnsureEntryCapacity(5);
        Assert.True(batch.EntryCapacity >= 5);
        Assert.Equal(42, batch.IdBuffer[0]);
        Assert.Equal(0.5f, batch.ValueBuffer[0]);
        Assert.Throws<InvalidOperationException>(() => new Batch(2, 2).EnsureEntryCapacity(5));
    }

    [Fact]
    public void Jagged_and_fixed_width_rows_refuse_the_other_kind_of_batch()
    {
        var (set, _, _) = Planted(5);
        Assert.Throws<ArgumentException>(() => set.Gather([0], new Batch(1, Fields)));
        var fixedRows = new InMemoryRowSet(Fields, new int[Fields], new float[Fields], [1f]);
        Assert.Throws<ArgumentException>(() => fixedRows.Gather([0], new Batch(1, Fields, 3)));
    }

    [Fact]
    public void Malformed_offsets_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new JaggedRowSet(2, [0, 2, 1, 3, 3], new int[3], new float[3], [0f, 1f]));   // decreasing
        Assert.Throws<ArgumentException>(() => new JaggedRowSet(2, [0, 1, 2], new int[3], new float[3], [0f]));             // does not end at ids.Length
        Assert.Throws<ArgumentException>(() => new JaggedRowSet(2, [0, 1, 2, 3], new int[3], new float[3], [0f]));          // wrong count
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_jagged_cache_maps_back_the_rows_it_was_written_from(bool unitValues)
    {
        using var dir = new TempDir();
        var (set, ids, values) = Planted(200, unitValues);
        var tags = Enumerable.Range(0, set.Count).Select(r => (byte)(r % 5 == 0 ? SplitTag.Valid : SplitTag.Train)).ToArray();
        string path = Path.Combine(dir.Path, "jagged.cache");
        JaggedCacheWriter.Write(path, Map(), set, tags, DataFormat.Csv);

        using var prepared = PreparedData.Open(path);
        Assert.Equal(set.Count, prepared.Count);
        Assert.True(prepared.All.IsJagged);
        Assert.Equal(set.MaxRowEntries, prepared.All.MaxRowEntries);
        Assert.Equal(unitValues, !prepared.Header.HasValues);

        var all = prepared.All.CreateBatch(set.Count);
        prepared.All.Slice(0, set.Count, all);
        for (int r = 0; r < set.Count; r++) AssertRow(all, r, r, ids, values);

        // The validation split is an index view: its rows are 0, 5, 10, …
        var valid = prepared.Valid;
        Assert.Equal(40, valid.Count);
        var batch = valid.CreateBatch(4);
        valid.Gather([3, 0, 39, 1], batch);
        int[] expected = [15, 0, 195, 5];
        for (int i = 0; i < expected.Length; i++) AssertRow(batch, i, expected[i], ids, values);
        valid.Slice(38, 2, batch);
        AssertRow(batch, 0, 190, ids, values);
        AssertRow(batch, 1, 195, ids, values);
    }

    [Fact]
    public void A_damaged_offsets_section_is_a_clear_error()
    {
        using var dir = new TempDir();
        var (set, _, _) = Planted(20);
        string path = Path.Combine(dir.Path, "jagged.cache");
        JaggedCacheWriter.Write(path, Map(), set, new byte[set.Count], DataFormat.Csv);
        byte[] bytes = File.ReadAllBytes(path);
        long offsetsAt;
        using (var p = PreparedData.Open(path)) offsetsAt = p.Header.Layout.Offsets;
        bytes[offsetsAt + 8 * 5] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var e = Assert.ThrowsAny<UserInputException>(() => PreparedData.Open(path));
        Assert.Contains("jagged.cache", e.Message);
    }

    /// <summary>A map of three categorical fields with room for the planted ids (up to 1000·rows): the cache stores
    /// it, and opening a cache checks that every id lies in its map.</summary>
    private static FeatureMap Map()
    {
        var builder = new ColumnFeatureMapBuilder(["a", "b", "c"], []);
        for (int i = 0; i < 70_000; i++) builder.Add([$"x{i}", $"y{i}", $"z{i}"], []);
        return builder.Build();
    }
}
