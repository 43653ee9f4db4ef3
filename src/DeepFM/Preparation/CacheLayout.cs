using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;
using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>Byte offsets of the cache sections (all long: caches can exceed 2 GiB). The values section is last and
/// empty when every value is 1 (all-categorical data): that halves the file and the memory its mapping pins. A jagged
/// cache (multi-valued fields) has an offsets section before the ids — <c>rows·m + 1</c> int64 slot offsets into the
/// entries — and its ids and values hold <c>entries</c> items rather than <c>rows·m</c>; a fixed-width cache has an
/// empty offsets section (<see cref="Offsets"/> = <see cref="Ids"/>) and is laid out exactly as before it existed.</summary>
internal readonly record struct CacheLayout(long Map, long Labels, long Tags, long Offsets, long Ids, long Values, long Total)
{
    /// <summary>The layout of a fixed-width cache (<paramref name="entries"/> null) or of a jagged one holding
    /// <paramref name="entries"/> entries.</summary>
    public static CacheLayout Compute(long mapLength, long rows, int fields, bool hasValues = true, long? entries = null)
    {
        // Checked: a damaged or crafted header may hold sizes whose sections overflow a long, which unchecked would
        // wrap to a total that matches the file (CacheHeader.Read turns the OverflowException into a clear refusal).
        checked
        {
            static long Align(long x) => checked((x + 7) & ~7L);
            long map = CacheHeader.Size;
            long labels = Align(map + mapLength);
            long tags = labels + 4 * rows;
            long offsets = Align(tags + rows);
            long ids = entries is null ? offsets : offsets + 8 * (rows * fields + 1);
            long n = entries ?? rows * fields;
            long values = ids + 4 * n;
            return new CacheLayout(map, labels, tags, offsets, ids, values, values + (hasValues ? 4 * n : 0));
        }
    }
}
