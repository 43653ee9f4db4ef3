using CsCheck;
using DeepFM.Cli;
using DeepFM.Cli.Commands;

namespace DeepFM.Tests.Reliability;

/// <summary>
/// Property-based test of experiment files (<c>--config</c>): any text, YAML-like or not, is either read into
/// settings the train command knows, or refused with a <see cref="UserInputException"/> that names the file — never
/// another exception.
/// </summary>
public sealed class ExperimentConfigProperties : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly Gen<string> s_line = Gen.OneOf(
        Gen.String[Gen.Frequency((6, Gen.Char[":-[]{},#'\"|>&*!%@ \tabemodlpch0123456789.\n"]), (1, Gen.Char)), 0, 40],
        Gen.Select(Gen.OneOf("", "  ", "    "), Gen.OneOf("base", "model", "epochs", "hidden", "lr", "quiet", "x", "batch-size", "--epochs", "config", ""),
            Gen.OneOf(":", ": ", ":  ", " :", ""), Gen.OneOf("", "fm", "3", "-1", "[1, 2]", "[a, [b]]", "{a: 1}", "~", "true", "\"q", "'s'", "&a", "*a", "!!int x"),
            (indent, key, colon, value) => indent + key + colon + value));

    private static readonly Gen<string> s_file = Gen.Select(s_line.Array[0, 8], lines => string.Join('\n', lines));

    [Fact]
    public void AnyTextIsReadOrRefusedNamingTheFile()
    {
        var command = TrainCommand.Create(new CliIO(TextWriter.Null, TextWriter.Null));
        string path = _dir.File("exp.yaml");
        s_file.Sample(text =>
        {
            File.WriteAllText(path, text);
            foreach (string? expId in new[] { null, "x", "base" })
            {
                try
                {
                    var settings = ExperimentConfig.Load(path, expId, command);
                    Assert.All(settings, s => Assert.Contains(command.Options, o => o.Name == "--" + s.Name));
                }
                catch (UserInputException e)
                {
                    Assert.Contains(path, e.Message);
                }
            }
        }, iter: 1500);
    }

    [Fact]
    public void AnySearchSpaceTextIsReadOrRefused()
    {
        var known = new HashSet<string>(["lr", "model", "epochs", "hidden", "x"], StringComparer.Ordinal);
        s_file.Sample(text =>
        {
            try
            {
                var space = TuneSpace.Parse(text, "space.yaml", known);
                Assert.All(space.Names, n => Assert.Contains(n, known));
                _ = space.Sample(new Random(1));
            }
            catch (UserInputException e)
            {
                Assert.Contains("space", e.Message);
            }
        }, iter: 1500);
    }
}
