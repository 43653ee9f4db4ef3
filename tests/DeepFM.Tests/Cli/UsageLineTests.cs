namespace DeepFM.Tests.Cli;

/// <summary>The usage lines name the tool as users type it, and usage errors exit 2.</summary>
public sealed class UsageLineTests
{
    [Fact]
    public void HelpSaysDeepfmAndUsageErrorsExitTwo()
    {
        var (code, stdout, _) = CliRunner.Run("train", "--help");
        Assert.Equal(0, code);
        Assert.Contains("deepfm train [options]", stdout);
        Assert.DoesNotContain("DeepFM.Cli", stdout);
        (code, _, string err) = CliRunner.Run("train", "--no-such-option");
        Assert.Equal(2, code);
        Assert.Contains("see deepfm train --help", err);
        (code, stdout, _) = CliRunner.Run("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", stdout.Trim());
    }
}
