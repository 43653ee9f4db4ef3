using System.Globalization;

namespace DeepFM.Data;

/// <summary>
/// A column that holds several categorical values per row, e.g. a movie's genres <c>Comedy|Drama</c> or a user's
/// recent items: the separator between values, how many are kept (the first or the last <see cref="MaxLength"/>;
/// 0 keeps all) and how the kept values pool into the field's embedding. Empty values are dropped; a row with none
/// has an empty list, whose pooled embedding is zero (a padding value of its own, as DeepCTR's id 0).
/// </summary>
/// <param name="Name">Column name in the header.</param>
/// <param name="Separator">The character between values (not the file's delimiter, ':' or ';').</param>
/// <param name="MaxLength">Values kept per row (0 = all).</param>
/// <param name="KeepLast">Keep the last <see cref="MaxLength"/> values instead of the first (a history, newest last).</param>
/// <param name="Pooling">How the kept values combine.</param>
public sealed record MultiValuedColumn(string Name, char Separator, int MaxLength = 0, bool KeepLast = false, Pooling Pooling = Pooling.Mean)
{
    /// <summary>Parses <c>NAME:SEP[:MAXLEN[:first|last[:mean|sum]]]</c>, e.g. <c>genres:|</c> or <c>history:,:50:last</c>.</summary>
    /// <exception cref="UserInputException">The text does not have that form.</exception>
    public static MultiValuedColumn Parse(string text)
    {
        UserInputException Fail(string why) => new($"CSV schema: multi=\"{text}\": {why} (expected NAME:SEP[:MAXLEN[:first|last[:mean|sum]]], e.g. multi=genres:| or multi=history:,:50:last).");
        int colon = text.IndexOf(':');
        if (colon <= 0) throw Fail("no NAME:SEP");
        string name = text[..colon].Trim();
        if (name.Length == 0) throw Fail("no column name");
        string rest = text[(colon + 1)..];
        if (rest.Length == 0) throw Fail("no separator");
        char sep = rest[0];
        if (rest.StartsWith("tab", StringComparison.Ordinal)) { sep = '\t'; rest = rest[3..]; }
        else if (rest.StartsWith("space", StringComparison.Ordinal)) { sep = ' '; rest = rest[5..]; }
        else rest = rest[1..];
        if (sep is ':' or ';' or '"' or '\n' or '\r') throw Fail($"'{sep}' cannot separate values");
        int maxLength = 0;
        bool keepLast = false;
        var pooling = Pooling.Mean;
        if (rest.Length > 0)
        {
            if (rest[0] != ':') throw Fail("the separator must be one character");
            string[] parts = rest[1..].Split(':');
            if (parts.Length > 3) throw Fail("too many parts");
            if (parts[0].Length > 0 && !(int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out maxLength) && maxLength > 0))
                throw Fail($"max-len \"{parts[0]}\" is not a positive whole number");
            if (parts.Length > 1 && parts[1].Length > 0)
                keepLast = parts[1].ToLowerInvariant() switch { "first" => false, "last" => true, _ => throw Fail($"\"{parts[1]}\" is not first or last") };
            if (parts.Length > 2 && parts[2].Length > 0)
                pooling = parts[2].ToLowerInvariant() switch
                {
                    "mean" => Pooling.Mean,
                    "sum" => Pooling.Sum,
                    "max" => throw new UserInputException($"CSV schema: multi=\"{text}\": max pooling is not supported yet; use mean or sum."),
                    _ => throw Fail($"\"{parts[2]}\" is not mean or sum"),
                };
        }
        return new MultiValuedColumn(name, sep, maxLength, keepLast, pooling);
    }

    /// <summary>The form <see cref="Parse"/> reads.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}:{(Separator == '\t' ? "tab" : Separator == ' ' ? "space" : Separator.ToString())}:{(MaxLength > 0 ? MaxLength.ToString(CultureInfo.InvariantCulture) : "")}:{(KeepLast ? "last" : "first")}:{Pooling.ToString().ToLowerInvariant()}");

    /// <summary>
    /// Finds the kept values of one cell: writes their (start, length) in <paramref name="cell"/> to
    /// <paramref name="ranges"/> (grown when too small) and returns how many. Empty values are skipped. Allocates only
    /// when <paramref name="ranges"/> grows.
    /// </summary>
    public int Split(ReadOnlySpan<byte> cell, ref (int Start, int Length)[] ranges)
    {
        byte sep = (byte)Separator;
        int n = 0, start = 0;
        while (start <= cell.Length)
        {
            int end = cell[start..].IndexOf(sep);
            end = end < 0 ? cell.Length : start + end;
            int s = start, e = end;
            while (s < e && cell[s] == (byte)' ') s++;
            while (e > s && cell[e - 1] == (byte)' ') e--;
            if (e > s)
            {
                if (n == ranges.Length) Array.Resize(ref ranges, Math.Max(8, ranges.Length * 2));
                ranges[n++] = (s, e - s);
            }
            start = end + 1;
        }
        if (MaxLength > 0 && n > MaxLength)
        {
            if (KeepLast) Array.Copy(ranges, n - MaxLength, ranges, 0, MaxLength);
            n = MaxLength;
        }
        return n;
    }
}
