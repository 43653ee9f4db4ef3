using DeepFM.IO;

namespace DeepFM.Cli;

/// <summary>
/// Checks, before any work, that what a command is about to write can be written and destroys nothing it reads:
/// the output is not one of the inputs (the same file by identity, through symbolic or hard links too: see
/// <see cref="FileIdentity"/>), not a folder or device, and its folder exists and takes a new file.
/// Used by every command that writes (train, prepare, predict, export, synth, compare, study).
/// </summary>
internal static class OutputPaths
{
    /// <summary>Fails with a one-line message naming <paramref name="option"/> when <paramref name="path"/> cannot be
    /// written as an output file, or is the same file as one of <paramref name="inputs"/> (option, path; null paths are skipped).</summary>
    public static void CheckFile(string option, string path, params (string Option, string? Path)[] inputs)
    {
        string full = FullPath(option, path);
        switch (FileIdentity.KindOf(full))
        {
            case FileKind.Directory:
                throw new UserInputException($"{option} {path}: is a folder; give the path of a file to write.");
            case FileKind.Other:
                throw new UserInputException($"{option} {path}: is not a regular file (a device, pipe or socket); give the path of a file to write.");
        }
        foreach (var (inputOption, inputPath) in inputs)
            if (inputPath is not null && FileIdentity.SameFile(inputPath, full))
                throw new UserInputException($"{option} {path}: is the same file as {inputOption} {inputPath}; writing it would destroy the input. Choose another output path.");
        string folder = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(folder)) throw new UserInputException($"{option} {path}: the folder {folder} does not exist.");
        Probe(option, path, folder, $"cannot write in {folder}");
    }

    /// <summary>Fails when <paramref name="path"/> cannot be used as an output folder: it is a file, or cannot be
    /// created or written. Creates it.</summary>
    public static void CheckFolder(string option, string path)
    {
        string full = FullPath(option, path);
        if (FileIdentity.KindOf(full) is FileKind.Regular or FileKind.Other)
            throw new UserInputException($"{option} {path}: is a file, not a folder; give a folder for the results.");
        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{option} {path}: cannot write the results there ({e.Message}).", e);
        }
        Probe(option, path, full, "cannot write the results there");
    }

    /// <summary>The outputs of one command must differ from each other too (e.g. synth --out and --truth).</summary>
    public static void CheckDistinct((string Option, string Path) a, (string Option, string Path) b)
    {
        string fa = FullPath(a.Option, a.Path), fb = FullPath(b.Option, b.Path);
        if (string.Equals(FileIdentity.Resolve(fa), FileIdentity.Resolve(fb), StringComparison.Ordinal) || FileIdentity.SameFile(fa, fb))
            throw new UserInputException($"{a.Option} and {b.Option} are the same file ({a.Path}); give each its own path.");
    }

    private static string FullPath(string option, string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UserInputException($"{option}: the path is empty.");
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new UserInputException($"{option} {path}: not a valid path ({e.Message}).", e);
        }
    }

    /// <summary>Creates and deletes a file in <paramref name="folder"/>: a read-only folder, a full or read-only
    /// file system is found now, not after the work.</summary>
    private static void Probe(string option, string path, string folder, string problem)
    {
        string probe = Path.Combine(folder, $".deepfm-write-test-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{option} {path}: {problem} ({e.Message}).", e);
        }
        finally
        {
            try { File.Delete(probe); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
