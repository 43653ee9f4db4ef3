using DeepFM.Data;
using DeepFM.Features;

namespace DeepFM.Pipeline;

/// <summary>Encoded train/valid/test rows sharing one feature map; disposing closes the caches.</summary>
public sealed class DataSplits : IDisposable
{
    private readonly List<IDisposable> _owned;

    internal DataSplits(FeatureMap map, IRowSet train, IRowSet? valid, IRowSet? test, List<IDisposable> owned, TimeSpan prepareTime)
    {
        FeatureMap = map;
        Train = train;
        Valid = valid is { Count: > 0 } ? valid : null;
        Test = test is { Count: > 0 } ? test : null;
        _owned = owned;
        PrepareTime = prepareTime;
    }

    /// <summary>Vocabularies fitted on the training rows.</summary>
    public FeatureMap FeatureMap { get; }

    /// <summary>Training rows.</summary>
    public IRowSet Train { get; }

    /// <summary>Validation rows, if any.</summary>
    public IRowSet? Valid { get; }

    /// <summary>Test rows, if any.</summary>
    public IRowSet? Test { get; }

    /// <summary>Time spent reading text and writing caches (zero when caches were reused).</summary>
    public TimeSpan PrepareTime { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }
}
