using System.Buffers.Text;
using System.Globalization;

namespace DeepFM.Data;

/// <summary>
/// The rules by which training reads a number, shared with every other reader of raw values (the scoring service's
/// JSON rows), so that a value training would reject is rejected everywhere, and one it accepts means the same.
/// </summary>
public static class NumericText
{
    /// <summary>A Criteo integer field (I1–I13): an optional sign and decimal digits that fit a 64-bit integer, nothing
    /// else (no fraction, exponent or surrounding space): <c>3.5</c>, <c>1e400</c> and <c>99999999999999999999</c> are not.</summary>
    public static bool TryParseCriteoInteger(ReadOnlySpan<byte> text, out long value) =>
        Utf8Parser.TryParse(text, out value, out int used) && used == text.Length && text.Length > 0;

    /// <summary>A numeric field of the other formats (CSV, libsvm values): a floating-point number that stays finite as a
    /// 32-bit float, the precision the model computes in (<c>1e400</c>, NaN, and <c>1e300</c>, which a double holds but
    /// which becomes infinity as a value and makes training diverge, are not).</summary>
    public static bool TryParseNumber(ReadOnlySpan<byte> text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && InRange(value);

    /// <summary>True for a number that is finite as a 32-bit float.</summary>
    public static bool InRange(double value) => float.IsFinite((float)value);

    /// <summary>Why <see cref="TryParseNumber"/> refused <paramref name="text"/>, for an error message.</summary>
    internal static string Refusal(ReadOnlySpan<byte> text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && !double.IsNaN(x)
            ? "is out of range (beyond ±3.4e38, the largest 32-bit float)"
            : "is not a number";
}
