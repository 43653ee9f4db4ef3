using Microsoft.ML.OnnxRuntime;

namespace DeepFM.Tests.Export;

/// <summary>Runs an exported model in ONNX Runtime on one batch of id/value rows.</summary>
internal static class OnnxRunner
{
    /// <summary>A session on one thread: the tests run in parallel on few cores.</summary>
    public static InferenceSession Open(byte[] model)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        return new InferenceSession(model, options);
    }

    /// <summary>Probabilities and logits for <paramref name="rows"/> rows of <paramref name="fields"/> fields.</summary>
    public static (float[] Probabilities, float[] Logits) Run(InferenceSession session, int[] ids, float[] values, int rows, int fields)
    {
        var shape = new long[] { rows, fields };
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids.Take(rows * fields).Select(i => (long)i).ToArray(), shape);
        using var valuesValue = OrtValue.CreateTensorValueFromMemory(values.AsSpan(0, rows * fields).ToArray(), shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["ids", "values"], [idsValue, valuesValue], ["probability", "logit"]);
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray());
    }
}
