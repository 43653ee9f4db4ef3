namespace DeepFM.IO;

/// <summary>What a path names, after following symbolic links.</summary>
public enum FileKind
{
    /// <summary>Nothing exists at the path.</summary>
    Missing,
    /// <summary>A regular file.</summary>
    Regular,
    /// <summary>A directory.</summary>
    Directory,
    /// <summary>Anything else: a device (<c>/dev/zero</c>, <c>/dev/full</c>), a pipe, a socket.</summary>
    Other,
}
