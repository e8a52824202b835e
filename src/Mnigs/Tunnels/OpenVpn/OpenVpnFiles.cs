namespace Mnigs.Tunnels.OpenVpn;

/// <summary>
/// Files the openvpn tunnel keeps under the state directory: directories only the daemon's user may enter (openvpn's
/// management sockets are world-writable files, so the directory is what guards them) and files written whole
/// (temporary file, then rename) with mode 0600, so a crash never leaves half a key.
/// </summary>
internal static class OpenVpnFiles
{
    /// <summary>The longest unix socket path Linux takes (sun_path is 108 bytes with the terminating NUL).</summary>
    public const int MaxSocketPath = 107;

    public static void CreatePrivateDirectory(string path)
    {
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // CreateDirectory leaves an existing directory's mode alone: tighten it.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public static void WritePrivate(string path, string text) => Platform.PrivateFile.Write(path, text);

    /// <summary>Removes a directory this tunnel made and everything in it; nothing when it is not there.</summary>
    public static void Remove(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Throws with a plain message when <paramref name="path"/> is too long for a unix socket.</summary>
    public static string SocketPath(string path)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(path) > MaxSocketPath)
            throw new InvalidOperationException(
                $"The OpenVPN management socket path {path} is longer than the {MaxSocketPath} bytes a unix socket may have: choose a shorter [daemon] stateDir");
        return path;
    }
}
