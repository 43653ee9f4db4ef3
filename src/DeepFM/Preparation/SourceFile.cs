namespace DeepFM.Preparation;

/// <summary>The checks every pass makes of the raw text file it reads: present, not empty, not too long, unchanged.</summary>
internal static class SourceFile
{
    /// <summary>The file's length and write time; a missing file raises <see cref="UserInputException"/>.</summary>
    public static FileInfo Stat(string dataPath)
    {
        var fi = new FileInfo(dataPath);
        if (!fi.Exists) throw new UserInputException($"{dataPath}: file not found.");
        return fi;
    }

    /// <summary>Refuses a file without data rows, or with more rows than 32-bit row numbers hold.</summary>
    public static void CheckRows(string dataPath, long rows, long skipped)
    {
        if (rows == 0)
            throw new UserInputException(skipped > 0
                ? $"{Path.GetFileName(dataPath)}: no valid data rows ({skipped} malformed lines skipped)."
                : $"{Path.GetFileName(dataPath)}: empty file (no data rows).");
        if (rows > int.MaxValue) throw new UserInputException($"{dataPath}: {rows} rows; at most {int.MaxValue} are supported.");
    }

    /// <summary>The error for a file that changed while a pass read it.</summary>
    public static UserInputException Changed(string dataPath) =>
        new($"{dataPath}: the file changed while it was being read; run again.");
}
