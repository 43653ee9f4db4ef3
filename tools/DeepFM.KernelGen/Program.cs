using DeepFM.KernelGen;

// dotnet run --project tools/DeepFM.KernelGen -- src/DeepFM/Engine/GemmKernels.cs          writes the file
// dotnet run --project tools/DeepFM.KernelGen -- --check src/DeepFM/Engine/GemmKernels.cs  exit 1 if it differs
bool check = args.Length == 2 && args[0] == "--check";
if (args.Length != (check ? 2 : 1))
{
    Console.Error.WriteLine("usage: DeepFM.KernelGen [--check] <path of GemmKernels.cs>");
    return 2;
}
string path = args[^1], text = KernelSource.Generate();
if (check)
{
    bool same = File.Exists(path) && File.ReadAllText(path) == text;
    Console.Error.WriteLine(same ? $"{path} is up to date" : $"{path} differs from the generator's output: regenerate it");
    return same ? 0 : 1;
}
// UTF-8 without a byte-order mark, "\n" line ends: the same bytes on every OS.
File.WriteAllText(path, text);
Console.Error.WriteLine($"wrote {path}");
return 0;
