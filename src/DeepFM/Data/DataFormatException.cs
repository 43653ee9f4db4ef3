using System.Text;

namespace DeepFM.Data;

/// <summary>A malformed input line: the message names the file, the 1-based line and, where known, the field.</summary>
public sealed class DataFormatException : UserInputException
{
    /// <summary>Creates the exception; the message reads <c>file:line: field F: problem</c>.</summary>
    public DataFormatException(string fileName, long line, string? field, string problem)
        : base(field is null ? $"{fileName}:{line}: {problem}" : $"{fileName}:{line}: field {field}: {problem}")
    {
        FileName = fileName;
        Line = line;
        Field = field;
    }

    /// <summary>File name (without directory).</summary>
    public string FileName { get; }

    /// <summary>1-based line number.</summary>
    public long Line { get; }

    /// <summary>Field name, or null when the problem is not tied to one field.</summary>
    public string? Field { get; }

    /// <summary>Renders raw bytes for a message: quoted, shortened, control and invalid bytes escaped.</summary>
    internal static string Show(ReadOnlySpan<byte> raw)
    {
        var sb = new StringBuilder("\"");
        string s = Encoding.UTF8.GetString(raw.Length > 40 ? raw[..40] : raw);
        foreach (char c in s)
        {
            if (c < ' ' || c == '\uFFFD') sb.Append(c == '\uFFFD' ? "\\uFFFD" : $"\\x{(int)c:X2}");
            else sb.Append(c);
        }
        if (raw.Length > 40) sb.Append('…');
        return sb.Append('"').ToString();
    }
}
