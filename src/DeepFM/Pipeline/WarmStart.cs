using DeepFM.Models;
using DeepFM.Serialization;

namespace DeepFM.Pipeline;

/// <summary>
/// Continues training a saved model on new data: the new model has the saved one's configuration and starts from its
/// weights. Without a vocabulary extension the feature map is the saved one (new values go to their field's OOV id);
/// with one, every table indexed by feature id grows — old rows are carried to their new ids, new rows keep the
/// initialisation a new model gives them — and every other parameter is copied as it is.
/// </summary>
public static class WarmStart
{
    /// <summary>A model of <paramref name="from"/>'s configuration over <paramref name="space"/>, with
    /// <paramref name="from"/>'s weights; <paramref name="oldToNew"/> (from <see cref="Features.FeatureMap.ExtendWith"/>)
    /// maps the saved model's feature ids to <paramref name="space"/>'s, null when the map is unchanged.</summary>
    /// <exception cref="UserInputException">The saved model's parameters do not fit the new model's.</exception>
    public static CtrModel CreateFrom(SavedModel from, FeatureSpace space, int[]? oldToNew)
    {
        ArgumentNullException.ThrowIfNull(from);
        int oldFeatures = from.FeatureMap.FeatureCount;
        if (oldToNew is not null && oldToNew.Length != oldFeatures) throw new ArgumentException("One new id per feature of the saved map.", nameof(oldToNew));
        if (oldToNew is null && space.FeatureCount != oldFeatures) throw new ArgumentException("Without an id map the feature space must be the saved one's.", nameof(space));
        var config = from.Model.Config;
        ModelSize.Validate(config, space);
        var model = ModelRegistry.Create(config, space);
        var saved = from.Model.Parameters().ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var p in model.Parameters())
        {
            if (!saved.TryGetValue(p.Name, out var q))
                throw new UserInputException($"The saved model has no parameter '{p.Name}', which its configuration builds; was it written by another version?");
            bool perFeature = oldToNew is not null && q.Rows == oldFeatures && p.Rows == space.FeatureCount && q.Cols == p.Cols;
            if (perFeature)
            {
                // A table indexed by feature id: carry each trained row to its id in the grown map.
                for (int id = 0; id < oldFeatures; id++) q.ValueRow(id).CopyTo(p.ValueRow(oldToNew![id]));
            }
            else if (q.Rows == p.Rows && q.Cols == p.Cols)
            {
                q.Value.CopyTo(p.Value, 0);
            }
            else
            {
                throw new UserInputException($"The saved model's parameter '{p.Name}' is {q.Rows}×{q.Cols}; the new model's is {p.Rows}×{p.Cols}.");
            }
        }
        return model;
    }
}
