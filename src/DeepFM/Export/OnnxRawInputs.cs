using DeepFM.Engine;
using System.Globalization;
using DeepFM.Data;
using DeepFM.Export.Proto;
using DeepFM.Features;

namespace DeepFM.Export;

/// <summary>
/// The feature map as graph nodes, for <see cref="OnnxInputs.Raw"/>: raw field values in, the model's
/// <c>ids</c>/<c>values</c> out, encoded as <see cref="FeatureMap.TryEncodeField"/> does.
/// <list type="bullet">
/// <item>Categorical: an ONNX-ML LabelEncoder from the vocabulary to global ids, the field's OOV id by default; value 1.</item>
/// <item>Numeric, bucketed: the Criteo bucket <c>x &gt; 2 ? ⌊ln(x)²⌋ : x</c> computed in float64, then a LabelEncoder
/// from the bucket keys (as numbers) to ids; NaN takes the missing bucket; value 1.</item>
/// <item>Numeric, value / log-value: the field's one id; value <c>x</c> or <c>sign(x)·ln(1+|x|)</c>, 0 when missing.</item>
/// </list>
/// Keys must match exactly: no trimming is done in the graph.
/// </summary>
internal static class OnnxRawInputs
{
    /// <summary>ONNX-ML operator set imported for LabelEncoder (version 4 adds the float64 keys numeric buckets need).</summary>
    public const int MlOpset = 4;

    public const string MlDomain = "ai.onnx.ml";

    /// <summary>Declares one input per field and appends the encoding; sets the graph's model inputs.</summary>
    public static void Build(OnnxGraph g, FeatureMap map)
    {
        if (map.Reader.Format == DataFormat.Libsvm)
            throw new UserInputException("ONNX export with raw inputs supports criteo and csv feature maps; a libsvm row is already ids and values: export with --inputs ids.");
        var fields = map.Fields;
        var inputs = new string[fields.Count];
        for (int f = 0; f < fields.Count; f++)
        {
            var type = fields[f].Kind == FieldKind.Categorical ? TensorProto.Types.DataType.String : TensorProto.Types.DataType.Double;
            inputs[f] = g.Input(fields[f].Name, type, 1);
        }
        // [N, 1] zeros and ones shaped after the first input, for the constant ids and values of some fields.
        string shape = g.Node("Shape", [inputs[0]], "raw.shape");
        string zeros = g.Node("ConstantOfShape", [shape], "raw.zeros", OnnxAttribute.Tensor("value", Scalar(0L)));
        string ones = g.Node("ConstantOfShape", [shape], "raw.ones", OnnxAttribute.Tensor("value", Scalar(1f)));

        var ids = new string[fields.Count];
        var values = new string[fields.Count];
        for (int f = 0; f < fields.Count; f++)
        {
            var ff = fields[f];
            string x = inputs[f], hint = "raw." + ff.Name;
            if (ff.Kind == FieldKind.Categorical)
            {
                ids[f] = ff.Keys is { Length: > 0 } keys
                    ? g.NodeIn(MlDomain, "LabelEncoder", [x], hint + ".id",
                        OnnxAttribute.Strings("keys_strings", keys),
                        OnnxAttribute.Ints("values_int64s", [.. Enumerable.Range(ff.Offset + 1, keys.Length).Select(i => (long)i)]),
                        OnnxAttribute.Int("default_int64", ff.Offset))
                    : Fixed(g, zeros, ff.Offset, hint + ".id");
                values[f] = ones;
                continue;
            }
            string missing = g.Node("IsNaN", [x], hint + ".missing");
            switch (map.NumericEncoding)
            {
                case NumericEncoding.Bucket:
                    ids[f] = BucketIds(g, ff, x, missing, zeros, hint);
                    values[f] = ones;
                    break;
                case NumericEncoding.Value:
                    ids[f] = Fixed(g, zeros, ff.Offset, hint + ".id");
                    values[f] = ToFloat(g, g.Node("Where", [missing, g.Constant(hint + ".zero", [0.0], []), x], hint + ".filled"), hint);
                    break;
                default:
                    // sign(x)·ln(1 + |x|), in float64 like NumericBuckets.LogValue, then rounded to float.
                    ids[f] = Fixed(g, zeros, ff.Offset, hint + ".id");
                    string log = g.Node("Log", [g.Add(g.Node("Abs", [x], hint + ".abs"), g.Constant(hint + ".one", [1.0], []), hint + ".abs1")], hint + ".log");
                    string signed = g.Mul(g.Node("Sign", [x], hint + ".sign"), log, hint + ".logvalue");
                    values[f] = ToFloat(g, g.Node("Where", [missing, g.Constant(hint + ".zero", [0.0], []), signed], hint + ".filled"), hint);
                    break;
            }
        }
        string allIds = g.Node("Concat", ids, "raw.ids", OnnxAttribute.Int("axis", 1));
        string allValues = g.Node("Concat", values, "raw.values", OnnxAttribute.Int("axis", 1));
        g.SetModelInputs(allIds, allValues);
    }

    /// <summary>Bucket key as a number, looked up among the vocabulary's keys parsed back to numbers: the keys are
    /// printed from float64 (integers plainly, others round-trip "R", +∞ as "inf"), so parsing recovers the exact
    /// bucket value and equality of numbers is equality of keys.</summary>
    private static string BucketIds(OnnxGraph g, FeatureField ff, string x, string missing, string zeros, string hint)
    {
        int missingId = ff.Offset + (ff.Ids is { } d && d.TryGetValue("", out int m) ? m : 0);
        var keys = new List<double>();
        var keyIds = new List<long>();
        var seen = new HashSet<double>();
        var vocabulary = ff.Keys ?? [];
        for (int i = 0; i < vocabulary.Length; i++)
        {
            string key = vocabulary[i];
            if (key.Length == 0) continue;
            double v = key == "inf" ? double.PositiveInfinity : double.Parse(key, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (double.IsNaN(v) || !seen.Add(v)) continue;
            keys.Add(v);
            keyIds.Add(ff.Offset + i + 1);
        }
        string big = g.Node("Greater", [x, g.Constant(hint + ".two", [2.0], [])], hint + ".big");
        string ln = g.Node("Log", [x], hint + ".ln");
        string floor = g.Node("Floor", [g.Mul(ln, ln, hint + ".ln2")], hint + ".floor");
        string bucket = g.Node("Where", [big, floor, x], hint + ".bucket");
        string id = keys.Count == 0
            ? Fixed(g, zeros, ff.Offset, hint + ".found")
            : g.NodeIn(MlDomain, "LabelEncoder", [bucket], hint + ".found",
                OnnxAttribute.Tensor("keys_tensor", Vector(keys.ToArray())),
                OnnxAttribute.Tensor("values_tensor", Vector(keyIds.ToArray())),
                OnnxAttribute.Tensor("default_tensor", Vector(new long[] { ff.Offset })));
        return g.Node("Where", [missing, g.Constant(hint + ".missing_id", [(long)missingId], []), id], hint + ".id");
    }

    /// <summary>An int64 <c>[N, 1]</c> of one id.</summary>
    private static string Fixed(OnnxGraph g, string zeros, int id, string hint) =>
        g.Add(zeros, g.Constant(hint + "_value", [(long)id], []), hint);

    private static string ToFloat(OnnxGraph g, string input, string hint) =>
        g.Node("Cast", [input], hint + ".value", OnnxAttribute.Int("to", (long)TensorProto.Types.DataType.Float));

    private static TensorProto Scalar(long v) => Vector([v], scalar: true);

    private static TensorProto Scalar(float v)
    {
        var t = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.Add(1);
        t.FloatData.Add(v);
        return t;
    }

    private static TensorProto Vector(long[] v, bool scalar = false)
    {
        var t = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(scalar ? 1 : v.Length);
        t.Int64Data.AddRange(v);
        return t;
    }

    private static TensorProto Vector(double[] v)
    {
        var t = new TensorProto { DataType = (int)TensorProto.Types.DataType.Double };
        t.Dims.Add(v.Length);
        t.RawData = Google.Protobuf.ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan()));
        return t;
    }
}
