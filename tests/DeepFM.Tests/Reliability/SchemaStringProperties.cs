using CsCheck;
using DeepFM.Data;

namespace DeepFM.Tests.Reliability;

/// <summary>
/// Property-based tests of the option strings a user types: the CSV schema (with <c>multi=</c> columns) and the libsvm
/// field map. Any text is either read or refused with a <see cref="UserInputException"/>; what is read prints back to
/// a text that reads the same.
/// </summary>
public sealed class SchemaStringProperties
{
    // The characters the grammars split on, with letters, digits and blanks around them.
    private static readonly Gen<string> s_text = Gen.String[Gen.Frequency(
        (6, Gen.Char["=;,:|-*abclmnuity0123456789 \t"]), (1, Gen.Char)), 0, 60];

    private static readonly Gen<string> s_schemaLike = Gen.OneOf(s_text,
        Gen.Select(Gen.OneOf("label=y", "label=", "LABEL= y ", ""), Gen.OneOf(";cat=*", ";cat=a,b", ";cat=", ""),
            Gen.OneOf(";num=x", ";num=a", ";num=,", ""), Gen.OneOf(";multi=g:|", ";multi=g:tab:3:last:sum", ";multi=g::", ";multi=g:,:0", ";multi=h:|:2:first:max", ";multi=:|", ""),
            Gen.OneOf(";delim=tab", ";delim=|", ";delim=,,", ";delim=;", ""), s_text,
            (a, b, c, d, e, f) => a + b + c + d + e + f));

    private static void ReadsOrRefuses<T>(string text, Func<string, T> parse, Func<T, string> print)
    {
        T value;
        try { value = parse(text); }
        catch (UserInputException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return;
        }
        string printed = print(value);
        Assert.Equal(printed, print(parse(printed)));
    }

    [Fact]
    public void CsvSchemaTextIsReadOrRefused() =>
        s_schemaLike.Sample(s => ReadsOrRefuses(s, CsvSchema.Parse, x => x.ToString()), iter: 3000);

    [Fact]
    public void MultiValuedColumnTextIsReadOrRefused() =>
        Gen.OneOf(s_text, Gen.Select(Gen.OneOf("g", "", " g "), Gen.OneOf(":|", ":tab", ":space", ":;", "::", ":", ":ab"), Gen.OneOf("", ":3", ":-1", ":0", ":x", ":99999999999"),
                Gen.OneOf("", ":last", ":first", ":LAST", ":mid"), Gen.OneOf("", ":sum", ":mean", ":max", ":x:y"), (a, b, c, d, e) => a + b + c + d + e))
            .Sample(s => ReadsOrRefuses(s, MultiValuedColumn.Parse, x => x.ToString()), iter: 3000);

    [Fact]
    public void LibsvmFieldMapTextIsReadOrRefused() =>
        Gen.OneOf(s_text, Gen.Select(Gen.Int[-1, 20], Gen.Int[-1, 20], Gen.Int[-1, 40], Gen.OneOf("a", "b", "", "a:b"), Gen.OneOf("b", "a", "c"),
                (x, y, z, n1, n2) => $"{n1}:{x}-{y},{n2}:{y + 1}-{z}"))
            .Sample(s => ReadsOrRefuses(s, LibsvmFieldMap.Parse, x => x.ToString()), iter: 3000);
}
