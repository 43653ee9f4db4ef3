using System.Text;
using System.Text.RegularExpressions;
using DeepFM.KernelGen;

namespace DeepFM.Tests.Engine;

/// <summary>The checked-in micro-kernels are the generator's output, byte for byte: a kernel is changed in
/// tools/DeepFM.KernelGen and the file regenerated, never edited by hand.</summary>
public sealed class GemmKernelsGeneratedTests
{
    [Fact]
    public void GemmKernelsIsTheGeneratorsOutput()
    {
        string path = Path.Combine(RepositoryRoot(), KernelSource.TargetPath);
        byte[] expected = Encoding.UTF8.GetBytes(KernelSource.Generate());
        byte[] actual = File.ReadAllBytes(path);
        int at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at]) at++;
        Assert.True(at == expected.Length && at == actual.Length,
            $"{KernelSource.TargetPath} differs from the generator's output at byte {at} (generated {expected.Length} bytes, " +
            $"file {actual.Length}); run: dotnet run --project tools/DeepFM.KernelGen -- {KernelSource.TargetPath}");
    }

    [Fact]
    public void EveryGeneratedKernelIsInTheKernelList()
    {
        // Unused kernels go: each register-blocked kernel the generator writes is named in MicroKernel.Available, the
        // list the GEMM chooses from (K512_1xN is the m = 1 path's own kernel).
        string list = File.ReadAllText(Path.Combine(RepositoryRoot(), "src/DeepFM/Engine/MicroKernel.cs"));
        var named = Regex.Matches(list, @"GemmKernels\.(\w+)").Select(m => m.Groups[1].Value).ToHashSet();
        var generated = Regex.Matches(KernelSource.Generate(), @"internal static void (\w+)\(").Select(m => m.Groups[1].Value)
            .Where(name => name != "K512_1xN").ToList();
        Assert.NotEmpty(generated);
        Assert.All(generated, name => Assert.Contains(name, named));
    }

    /// <summary>The directory holding DeepFM.slnx, above the test binaries.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DeepFM.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"DeepFM.slnx not found above {AppContext.BaseDirectory}");
    }
}
