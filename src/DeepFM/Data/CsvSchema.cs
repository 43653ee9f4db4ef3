using System.Text;

namespace DeepFM.Data;

/// <summary>
/// Column roles of a CSV file with a header: the label column, categorical columns and numeric columns; other columns
/// are ignored. Fields appear in the order of their columns in the training file's header.
/// </summary>
public sealed class CsvSchema
{
    /// <summary>Creates a schema. <paramref name="categorical"/> null means "every column except the label and the numeric ones".</summary>
    public CsvSchema(string label, IReadOnlyList<string>? categorical, IReadOnlyList<string> numeric, char delimiter = ',',
        IReadOnlyList<MultiValuedColumn>? multi = null)
    {
        if (string.IsNullOrWhiteSpace(label)) throw new UserInputException("CSV schema: the label column name is empty.");
        if (delimiter is '"' or '\n' or '\r') throw new UserInputException($"CSV schema: '{delimiter}' cannot be the delimiter.");
        Label = label;
        Categorical = categorical?.ToArray();
        Numeric = numeric.ToArray();
        Delimiter = delimiter;
        Multi = multi?.ToArray() ?? [];
        var seen = new HashSet<string>(StringComparer.Ordinal) { label };
        foreach (var c in (Categorical ?? []).Concat(Numeric).Concat(Multi.Select(m => m.Name)))
            if (!seen.Add(c)) throw new UserInputException($"CSV schema: column \"{c}\" is named twice.");
        foreach (var m in Multi)
            if (m.Separator == delimiter) throw new UserInputException($"CSV schema: multi-valued column \"{m.Name}\" cannot use the file's delimiter '{delimiter}' between its values.");
    }

    /// <summary>Name of the label column (values 0/1).</summary>
    public string Label { get; }

    /// <summary>Categorical columns, or null for "all columns except the label and the numeric ones".</summary>
    public IReadOnlyList<string>? Categorical { get; }

    /// <summary>Numeric columns.</summary>
    public IReadOnlyList<string> Numeric { get; }

    /// <summary>Columns of several values per row (fields of their own, after the others of their position).</summary>
    public IReadOnlyList<MultiValuedColumn> Multi { get; }

    /// <summary>The multi-valued column named <paramref name="name"/>, or null.</summary>
    public MultiValuedColumn? MultiOf(string name) => Multi.FirstOrDefault(m => m.Name == name);

    /// <summary>Field delimiter, ',' by default.</summary>
    public char Delimiter { get; }

    /// <summary>
    /// Parses <c>label=NAME;cat=A,B|*;num=C,D;multi=E:|;delim=,</c> (parts in any order; <c>cat</c> defaults to <c>*</c>,
    /// <c>num</c> to none; <c>delim=tab</c> names a tab; one <c>multi=</c> per multi-valued column, see
    /// <see cref="MultiValuedColumn.Parse"/>).
    /// </summary>
    public static CsvSchema Parse(string text)
    {
        string? label = null;
        List<string>? cat = null;
        var num = new List<string>();
        var multi = new List<MultiValuedColumn>();
        char delim = ',';
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) throw new UserInputException($"CSV schema \"{text}\": \"{part}\" is not key=value.");
            string key = part[..eq].Trim().ToLowerInvariant(), val = part[(eq + 1)..].Trim();
            string[] names = val.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            switch (key)
            {
                case "label":
                    if (label is not null) throw new UserInputException($"CSV schema \"{text}\": label= is given twice (\"{label}\" and \"{val}\"); a schema has one label column.");
                    label = val;
                    break;
                case "cat": cat = val == "*" ? null : [.. names]; break;
                case "num": num.AddRange(names); break;
                case "multi": multi.Add(MultiValuedColumn.Parse(val)); break;
                case "delim":
                    delim = val switch { "tab" or "\\t" => '\t', "comma" => ',', "semicolon" => ';', _ when val.Length == 1 => val[0],
                        _ => throw new UserInputException($"CSV schema \"{text}\": delimiter \"{val}\" is not one character.") };
                    break;
                default: throw new UserInputException($"CSV schema \"{text}\": unknown key \"{key}\" (expected label, cat, num, multi, delim).");
            }
        }
        if (label is null) throw new UserInputException($"CSV schema \"{text}\": no label=COLUMN part.");
        return new CsvSchema(label, cat, num, delim, multi);
    }

    /// <summary>The compact form accepted by <see cref="Parse"/>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("label=").Append(Label).Append(";cat=").Append(Categorical is null ? "*" : string.Join(',', Categorical));
        sb.Append(";num=").Append(string.Join(',', Numeric));
        foreach (var m in Multi) sb.Append(";multi=").Append(m);
        sb.Append(";delim=").Append(Delimiter == '\t' ? "tab" : Delimiter.ToString());
        return sb.ToString();
    }
}
