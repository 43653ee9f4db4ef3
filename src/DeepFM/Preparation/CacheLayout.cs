using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;
using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>Byte offsets of the cache sections (all long: caches can exceed 2 GiB). The values section is last and
/// empty when every value is 1 (all-categorical data): that halves the file and the memory its mapping pins.</summary>
internal readonly record struct CacheLayout(long Map, long Labels, long Tags, long Ids, long Values, long Total)
{
    public static CacheLayout Compute(long mapLength, long rows, int fields, bool hasValues = true)
    {
        static long Align(long x) => (x + 7) & ~7L;
        long map = CacheHeader.Size;
        long labels = Align(map + mapLength);
        long tags = labels + 4 * rows;
        long ids = Align(tags + rows);
        long values = ids + 4 * rows * fields;
        return new CacheLayout(map, labels, tags, ids, values, values + (hasValues ? 4 * rows * fields : 0));
    }
}
