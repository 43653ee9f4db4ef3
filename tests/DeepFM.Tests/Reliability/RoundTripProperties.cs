using System.Globalization;
using System.Text;
using CsCheck;
using DeepFM.Data;
using DeepFM.Features;
using DeepFM.Preparation;

namespace DeepFM.Tests.Reliability;

/// <summary>
/// Property-based tests of encode → cache → gather: random tables (categorical, numeric and multi-valued columns, quoted
/// cells, empty cells, any split) written as CSV, prepared into a cache, reopened with its checksum verified and read
/// back by gather and slice, must give every row exactly what the feature map says its raw values encode to; and
/// encoding the same file with that map (<see cref="DataPipeline.EncodeWith"/>) must give the same rows.
/// </summary>
public sealed class RoundTripProperties : IDisposable
{
    private readonly TempDir _dir = new();
    private int _cases;

    public void Dispose() => _dir.Dispose();

    /// <summary>One random table and how it is prepared.</summary>
    public sealed record Table(int Cats, bool Num, int MultiMax, bool MultiLast, bool Sum, NumericEncoding Encoding,
        double Valid, double Test, long Seed, (int Label, string[] Cats, string Num, string[] Multi)[] Rows)
    {
        public bool HasMulti => MultiMax >= 0;
    }

    // Cell text: few distinct values so vocabularies have repeats; a comma, a quote and non-ASCII force quoting and
    // byte-exact keys; no spaces at the ends (a multi-valued column trims them, a categorical one keeps them).
    private static readonly Gen<string> s_cat = Gen.OneOf(Gen.Const(""), Gen.OneOf("a", "b", "c", "d", "é", "x,y", "q\"t", "€1", "a b", "0"));
    private static readonly Gen<string> s_item = Gen.OneOf("g1", "g2", "g3", "ü", "g4");
    private static readonly Gen<string> s_num = Gen.OneOf(Gen.Const(""), Gen.Int[-3, 40].Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Double[-1e6, 1e6].Select(d => d.ToString("R", CultureInfo.InvariantCulture)), Gen.OneOf("0.5", "1e-3", "-2.25", "3e5"));

    private static readonly Gen<Table> s_table =
        Gen.Select(Gen.Select(Gen.Int[1, 3], Gen.Bool, Gen.Int[-1, 3], Gen.Bool, Gen.Bool),
                Gen.Select(Gen.OneOf(NumericEncoding.Bucket, NumericEncoding.Value, NumericEncoding.LogValue), Gen.OneOf(0.0, 0.2, 0.5),
                    Gen.OneOf(0.0, 0.25), Gen.Long[0, 1000]))
            .SelectMany(t => Gen.Select(Gen.Int[0, 1], s_cat.Array[t.Item1.Item1], s_num, s_item.Array[0, 5]).Array[1, 60]
                .Select(rows => new Table(t.Item1.Item1, t.Item1.Item2, t.Item1.Item3, t.Item1.Item4, t.Item1.Item5,
                    t.Item2.Item1, t.Item2.Item2, t.Item2.Item3, t.Item2.Item4, rows)));

    private static string Quote(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    private static string Schema(Table t)
    {
        var sb = new StringBuilder("label=y;cat=").AppendJoin(',', Enumerable.Range(0, t.Cats).Select(c => $"c{c}"));
        if (t.Num) sb.Append(";num=n");
        if (t.HasMulti) sb.Append(";multi=m:|:").Append(t.MultiMax == 0 ? "" : t.MultiMax.ToString(CultureInfo.InvariantCulture))
            .Append(t.MultiLast ? ":last" : ":first").Append(t.Sum ? ":sum" : ":mean");
        return sb.ToString();
    }

    private static string Csv(Table t)
    {
        var sb = new StringBuilder("y").AppendJoin("", Enumerable.Range(0, t.Cats).Select(c => $",c{c}"));
        if (t.Num) sb.Append(",n");
        if (t.HasMulti) sb.Append(",m");
        sb.Append('\n');
        foreach (var r in t.Rows)
        {
            sb.Append(r.Label);
            foreach (var c in r.Cats) sb.Append(',').Append(Quote(c));
            if (t.Num) sb.Append(',').Append(r.Num);
            if (t.HasMulti) sb.Append(',').AppendJoin('|', r.Multi);
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The entries (id, value) row <paramref name="r"/>'s field <paramref name="f"/> must encode to under
    /// <paramref name="map"/>, from the raw table alone: a categorical value has its own id exactly when it occurs
    /// on a training row (min-count 1), else its field's OOV id.</summary>
    private static (int Id, float Value)[] Expected(Table t, FeatureMap map, HashSet<string>[] trainValues, int r, int f)
    {
        var row = t.Rows[r];
        var ff = map.Fields[f];
        int Cat(string v) => trainValues[f].Contains(v) ? ff.Offset + 1 + Array.IndexOf(ff.Keys!, v) : ff.Offset;
        if (f < t.Cats) return [(Cat(row.Cats[f]), 1f)];
        if (t.Num && f == t.Cats)
        {
            map.EncodeNumber(f, row.Num.Length == 0 ? double.NaN : double.Parse(row.Num, CultureInfo.InvariantCulture), out int id, out float value);
            return [(id, value)];
        }
        var kept = row.Multi.AsEnumerable();
        if (t.MultiMax > 0) kept = t.MultiLast ? kept.TakeLast(t.MultiMax) : kept.Take(t.MultiMax);
        var items = kept.ToArray();
        float w = t.Sum || items.Length == 0 ? 1f : 1f / items.Length;
        return [.. items.Select(v => (Cat(v), w))];
    }

    private static void CheckRows(Table t, PreparedData p, string what)
    {
        var map = p.FeatureMap;
        Assert.Equal(t.Rows.Length, p.Count);
        Assert.Equal(p.Count, p.Train.Count + p.Valid.Count + p.Test.Count);
        int m = map.FieldCount;
        // Values seen on training rows, per field, as the vocabulary must have counted them.
        var trainValues = Enumerable.Range(0, m).Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToArray();
        for (int r = 0; r < t.Rows.Length; r++)
        {
            if (p.TagOf(r) != SplitTag.Train) continue;
            for (int c = 0; c < t.Cats; c++) trainValues[c].Add(t.Rows[r].Cats[c]);
            if (t.HasMulti) trainValues[m - 1].UnionWith(t.Rows[r].Multi);
        }
        // Gather in a shuffled order (indirection) and slice in file order: both must agree with the raw table.
        var order = Enumerable.Range(0, p.Count).OrderBy(i => (i * 7919L + t.Seed) % 1009).ToArray();
        var batch = p.All.CreateBatch(p.Count);
        p.All.Gather(order, batch);
        for (int i = 0; i < order.Length; i++) CheckRow(t, map, trainValues, batch, i, order[i], what);
        p.All.Slice(0, p.Count, batch);
        for (int i = 0; i < p.Count; i++) CheckRow(t, map, trainValues, batch, i, i, what);
    }

    private static void CheckRow(Table t, FeatureMap map, HashSet<string>[] trainValues, Batch batch, int b, int r, string what)
    {
        Assert.Equal(t.Rows[r].Label, batch.Labels[b]);
        for (int f = 0; f < map.FieldCount; f++)
        {
            var expected = Expected(t, map, trainValues, r, f);
            (int Id, float Value)[] actual;
            if (batch.IsJagged)
            {
                var (start, length) = batch.Entries(b, f);
                actual = [.. Enumerable.Range(start, length).Select(e => (batch.Ids[e], batch.Values[e]))];
            }
            else
            {
                actual = [(batch.Ids[b * map.FieldCount + f], batch.Values[b * map.FieldCount + f])];
            }
            Assert.True(expected.SequenceEqual(actual),
                $"{what}: row {r} field {map.Fields[f].Name}: expected [{string.Join(' ', expected)}], got [{string.Join(' ', actual)}]");
        }
    }

    [Fact]
    public void PreparedRowsGatherToWhatTheMapEncodesTheirRawValuesTo()
    {
        s_table.Sample(t =>
        {
            int k = Interlocked.Increment(ref _cases);
            string data = _dir.Write($"t{k}.csv", Csv(t)), cache = _dir.File($"t{k}.cache"), again = _dir.File($"t{k}.enc");
            var options = new DataOptions { Format = DataFormat.Csv, CsvSchema = CsvSchema.Parse(Schema(t)), NumericEncoding = t.Encoding };
            var split = new SplitOptions { ValidFraction = t.Valid, TestFraction = t.Test, Seed = t.Seed };
            if (Enumerable.Range(0, t.Rows.Length).All(r => split.Assign(r) != SplitTag.Train))
            {
                // Nothing to build a vocabulary on: refused, naming the file.
                var e = Assert.Throws<UserInputException>(() => DataPipeline.Prepare(data, cache, options, split).Dispose());
                Assert.Contains("no training rows", e.Message);
                File.Delete(data);
                return;
            }
            try
            {
                using (var p = DataPipeline.Prepare(data, cache, options, split)) CheckRows(t, p, "prepared");
                using var opened = DataPipeline.Open(cache); // verifies the checksum
                CheckRows(t, opened, "reopened");
                Assert.True(DataPipeline.IsCurrent(cache, data, options, split));
                // The same file encoded with the map, tagged by the same split: the same rows, the same tags.
                using var encoded = DataPipeline.EncodeWith(data, opened.FeatureMap, again, split: split);
                for (int r = 0; r < t.Rows.Length; r++) Assert.Equal(opened.TagOf(r), encoded.TagOf(r));
                CheckRows(t, encoded, "encoded with the map");
            }
            finally
            {
                foreach (var f in new[] { data, cache, again }) File.Delete(f);
            }
        }, iter: 400, threads: 1);
    }
}
