using System.Diagnostics;
using DeepFM.Synthetic;

namespace DeepFM.Tests.Cli;

/// <summary>Mistakes of a hostile or careless user: each a one-line error (exit code ≠ 0), never a crash, a stack
/// trace or lost data.</summary>
public class CliHostileInputTests
{
    private static readonly string[] Tiny = ["--hidden", "8", "--embedding-size", "4", "--epochs", "1", "--batch-size", "512", "--quiet"];

    private static string MakeData(TempDir dir, string name, int rows = 600)
    {
        string path = dir.File(name);
        CriteoSynth.Generate(new SynthOptions { Rows = rows, Seed = 1, WorldSeed = 7, MaxCardinality = 200 }, path, null);
        return path;
    }

    private static void AssertUserError((int Code, string Out, string Err) result, string expected)
    {
        Assert.NotEqual(0, result.Code);
        Assert.Contains(expected, result.Err);
        Assert.DoesNotContain("   at ", result.Err);
    }

    [Theory]
    [InlineData("20000")]
    [InlineData("27000")]
    [InlineData("100000")]
    public void HugeEmbeddingSizeIsAQuickClearError(string k)
    {
        using var dir = new TempDir();
        string data = MakeData(dir, "d.tsv");
        var clock = Stopwatch.StartNew();
        var result = CliRunner.Run(["train", "--data", data, "--cache-dir", dir.Path, "--quiet", "--epochs", "1", "--embedding-size", k]);
        AssertUserError(result, "embedding size " + k);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 30);
    }

    [Fact]
    public void AnOutputThatIsAnInputIsRefusedBeforeAnyWork()
    {
        using var dir = new TempDir();
        string data = MakeData(dir, "v.tsv");
        byte[] original = File.ReadAllBytes(data);
        AssertUserError(CliRunner.Run(["train", "--data", data, "--out", data, "--cache-dir", dir.Path, .. Tiny]), "same file as --data");
        AssertUserError(CliRunner.Run("prepare", "--data", data, "--out", data), "same file as --data");
        // Through a symbolic link and through a hard link, too.
        string symlink = dir.File("link.tsv");
        File.CreateSymbolicLink(symlink, data);
        AssertUserError(CliRunner.Run("prepare", "--data", data, "--out", symlink), "same file as --data");
        if (OperatingSystem.IsLinux())
        {
            string hard = dir.File("hard.tsv");
            Process.Start(new ProcessStartInfo("ln", [data, hard]) { UseShellExecute = false })!.WaitForExit();
            Assert.True(File.Exists(hard));
            AssertUserError(CliRunner.Run("prepare", "--data", hard, "--out", data), "same file as --data");
        }
        Assert.Equal(original, File.ReadAllBytes(data));

        string model = dir.File("m.dfm");
        Assert.Equal(0, CliRunner.Run(["train", "--data", data, "--out", model, "--cache-dir", dir.Path, .. Tiny]).Code);
        byte[] modelBytes = File.ReadAllBytes(model);
        AssertUserError(CliRunner.Run("predict", "--model", model, "--data", data, "--out", model), "same file as --model");
        AssertUserError(CliRunner.Run("predict", "--model", model, "--data", data, "--out", data), "same file as --data");
        AssertUserError(CliRunner.Run("export", "--model", model, "--out", model), "same file as --model");
        Assert.Equal(modelBytes, File.ReadAllBytes(model));
        Assert.Equal(original, File.ReadAllBytes(data));
        AssertUserError(CliRunner.Run("synth", "--rows", "10", "--out", dir.File("s.tsv"), "--truth", dir.File("s.tsv")), "same file");
    }

    [Fact]
    public void OutputsThatAreNotFilesOrCannotBeWrittenAreFoundBeforeTheWork()
    {
        using var dir = new TempDir();
        string data = MakeData(dir, "d.tsv");
        if (File.Exists("/dev/full"))
        {
            AssertUserError(CliRunner.Run("prepare", "--data", data, "--out", "/dev/full"), "not a regular file");
            AssertUserError(CliRunner.Run("synth", "--rows", "10", "--out", "/dev/full"), "not a regular file");
        }
        AssertUserError(CliRunner.Run("prepare", "--data", data, "--out", dir.Path), "is a folder");
        AssertUserError(CliRunner.Run(["train", "--data", data, "--out", dir.File("missing/m.dfm"), "--cache-dir", dir.Path, .. Tiny]), "does not exist");
        AssertUserError(CliRunner.Run(["compare", "--data", data, "--models", "lr", "--out", data, "--cache-dir", dir.Path, .. Tiny]), "is a file, not a folder");
        if (OperatingSystem.IsLinux() && Directory.Exists("/proc/self"))   // not writable, even for root
            AssertUserError(CliRunner.Run(["train", "--data", data, "--out", "/proc/m.dfm", "--cache-dir", dir.Path, .. Tiny]), "cannot write in");
        if (OperatingSystem.IsLinux() && Environment.UserName != "root")
        {
            string locked = dir.File("locked");
            Directory.CreateDirectory(locked);
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            try
            {
                var clock = Stopwatch.StartNew();
                AssertUserError(CliRunner.Run(["train", "--data", data, "--out", Path.Combine(locked, "m.dfm"), "--cache-dir", dir.Path, .. Tiny]), "cannot write in");
                AssertUserError(CliRunner.Run("prepare", "--data", data, "--out", Path.Combine(locked, "c.cache")), "cannot write in");
            }
            finally
            {
                File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    [Theory]
    [InlineData("--hidden", "400,,400", "--hidden")]
    [InlineData("--hidden", "0", "--hidden")]
    [InlineData("--hidden", "", "--hidden")]
    [InlineData("--l2", "-1", "--l2 must be")]
    [InlineData("--l2-embedding", "-0.1", "--l2-embedding must be")]
    [InlineData("--embedding-init-std", "-0.01", "--embedding-init-std must be")]
    [InlineData("--threads", "-2", "--threads must be")]
    public void NonsenseOptionValuesAreErrors(string option, string value, string expected)
    {
        using var dir = new TempDir();
        string data = MakeData(dir, "d.tsv", 300);
        AssertUserError(CliRunner.Run(["train", "--data", data, "--cache-dir", dir.Path, "--quiet", "--epochs", "1", option, value]), expected);
    }

    [Fact]
    public void HiddenNoneStillMeansNoHiddenLayer()
    {
        var (config, _) = DeepFM.Cli.Commands.TrainCommand.ParseSettings(new DeepFM.Cli.CliIO(TextWriter.Null, TextWriter.Null), "--hidden", "none");
        Assert.Empty(config.Hidden);
    }

    [Fact]
    public void EmptyModelListAndRepeatedCsvLabelAreErrors()
    {
        using var dir = new TempDir();
        string data = MakeData(dir, "d.tsv", 300);
        AssertUserError(CliRunner.Run("compare", "--data", data, "--models", "", "--out", dir.File("out"), "--cache-dir", dir.Path), "--models is empty");
        AssertUserError(CliRunner.Run("study", "--param", "dropout", "--data", data, "--models", " ", "--out", dir.File("out2"), "--cache-dir", dir.Path), "--models is empty");
        string csv = dir.Write("d.csv", "y,z,a\n1,0,x\n0,1,y\n");
        AssertUserError(CliRunner.Run("prepare", "--data", csv, "--out", dir.File("c.cache"), "--schema", "label=y;label=z;cat=a"), "label= is given twice");
    }

    [Fact]
    public void AParseErrorPrintsOneLineAndAHintNotTheHelpPage()
    {
        var (code, output, err) = CliRunner.Run("train", "--epochs", "many");
        Assert.Equal(2, code);
        Assert.Contains("deepfm: error:", err);
        Assert.Contains("see deepfm train --help", err);
        Assert.DoesNotContain("--embedding-size", err + output);
        Assert.True(err.Trim().Split('\n').Length <= 3, err);
    }
}
