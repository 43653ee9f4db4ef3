using DeepFM.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace DeepFM.MLNet;

/// <summary>What the scoring cursor (<see cref="ScoredDataView"/>) and the scoring row (<see cref="DeepFMRowMapper"/>)
/// share: encoding an input row into a batch, and the getters of the three columns they add.</summary>
internal static class ScoreColumns
{
    /// <summary>Encodes <paramref name="reader"/>'s current row into row <paramref name="row"/> of <paramref name="batch"/>.</summary>
    public static void Encode(DeepFMTransformer parent, ColumnReader reader, Batch batch, int row)
    {
        var map = parent.Model.FeatureMap;
        int m = map.FieldCount, cats = parent.CategoricalColumns.Count;
        for (int f = 0; f < m; f++)
        {
            int i = row * m + f;
            if (f < cats) map.TryEncodeField(f, reader.Text(f), out batch.IdBuffer[i], out batch.ValueBuffer[i]);
            else map.EncodeNumber(f, reader.Number(f - cats), out batch.IdBuffer[i], out batch.ValueBuffer[i]);
        }
    }

    /// <summary>The getter of added column <paramref name="column"/> (Score, Probability, PredictedLabel at
    /// <paramref name="inputColumns"/>, +1, +2): each read calls <paramref name="score"/>, which returns the current
    /// row's logit and probability (computed once per row by the caller).</summary>
    public static ValueGetter<TValue> Getter<TValue>(DataViewSchema.Column column, int inputColumns, Func<(float Logit, float Probability)> score)
    {
        Delegate getter = (column.Index - inputColumns) switch
        {
            0 => (ValueGetter<float>)((ref float v) => v = score().Logit),
            1 => (ValueGetter<float>)((ref float v) => v = score().Probability),
            _ => (ValueGetter<bool>)((ref bool v) => v = score().Probability > 0.5f),
        };
        return getter as ValueGetter<TValue> ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
    }
}
