namespace Mnigs.Platform;

/// <summary>Files only root may read (keys, configs holding passwords), written whole: never seen half-written or readable by others.</summary>
public static class PrivateFile
{
    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> with mode 0600, through a temporary file renamed over it.</summary>
    public static void Write(string path, string text)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var writer = new StreamWriter(stream))
            writer.Write(text);
        File.Move(temp, path, overwrite: true);
    }
}
