namespace Mnigs.Networks.Cjdns;

/// <summary>Bytes that are not bencoding Mnigs accepts; the message names the byte offset and what was wrong.</summary>
public sealed class BencodeException(string message, int position) : FormatException($"bad bencoding at byte {position}: {message}")
{
    /// <summary>Offset of the offending byte in the input.</summary>
    public int Position { get; } = position;
}
