using System.Globalization;
using System.Net;

namespace Mnigs.Tunnels.OpenVpn;

/// <summary>Pieces of openvpn's config and management syntax (openvpn(8), "Command Parsing" in management-notes.txt).</summary>
internal static class OpenVpnText
{
    /// <summary>
    /// A parameter in double quotes, with the backslash escapes openvpn's lexer undoes. A value with a line break or
    /// another control character cannot be a parameter at all.
    /// </summary>
    public static string Quote(string value)
    {
        if (value.Any(char.IsControl))
            throw new ArgumentException($"'{value}' cannot go into an OpenVPN config: it holds a control character", nameof(value));
        return "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The dotted netmask of an IPv4 prefix length, as --ifconfig and ifconfig-push take it.</summary>
    public static string Netmask(int prefixLength)
    {
        if (prefixLength is < 0 or > 32)
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, "An IPv4 prefix is 0 to 32 bits long");
        var mask = prefixLength == 0 ? 0u : uint.MaxValue << (32 - prefixLength);
        return new IPAddress([(byte)(mask >> 24), (byte)(mask >> 16), (byte)(mask >> 8), (byte)mask]).ToString();
    }

    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
