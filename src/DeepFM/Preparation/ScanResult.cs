using DeepFM.Features;

namespace DeepFM.Preparation;

/// <summary>What pass 1 of <see cref="DataPipeline.Prepare"/> found: the map, the cache header less map and checksum, per field the
/// slot → global id tables, and the fields whose values were spilled.</summary>
internal sealed record ScanResult(FeatureMap Map, CacheHeader Header, int[][] SlotIds, int[] ValueFields);
