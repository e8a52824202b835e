using System.Net;
using System.Security.Cryptography;

namespace Mnigs.Networks.Cjdns;

/// <summary>
/// A cjdns node's IPv6 address follows from its public key: the key is 52 characters of cjdns' own base32
/// (util/Base32.h: alphabet <c>0123456789bcdfghjklmnpqrstuvwxyz</c>, least significant bits first, not RFC
/// 4648) and <c>.k</c>; the address is the first 16 bytes of sha512(sha512(key bytes)), and only keys whose
/// address falls in fc00::/8 are valid (contrib/python3/cjdnsadmin/publicToIp6.py). Addresses in the admin
/// interface's answers name a node as <c>v20.0000.0000.0000.0013.KEY.k</c>: version, route label, key.
/// </summary>
public static class CjdnsAddress
{
    private const string Alphabet = "0123456789bcdfghjklmnpqrstuvwxyz";
    private const int KeyChars = 52;

    /// <summary>The address of the node with <paramref name="key"/> (<c>....k</c>), or null when it is not a valid cjdns key.</summary>
    public static IPAddress? ForKey(string? key)
    {
        if (key is null || !TryDecodeKey(key, out var bytes))
            return null;
        var address = SHA512.HashData(SHA512.HashData(bytes)).AsSpan(0, 16);
        return address[0] == 0xfc ? new IPAddress(address) : null;
    }

    /// <summary>An address as cjdns writes it: eight groups of four hex digits, nothing left out.</summary>
    public static string Format(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return string.Join(':', Enumerable.Range(0, 8).Select(i => Convert.ToHexStringLower(bytes, i * 2, 2)));
    }

    /// <summary>Whether <paramref name="address"/> is in cjdns' range, fc00::/8.</summary>
    public static bool IsCjdns(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !address.IsIPv4MappedToIPv6
        && address.GetAddressBytes()[0] == 0xfc;

    /// <summary>
    /// The key in a node name as NodeStore and InterfaceController write it (<c>v20.0000.0000.0000.0013.KEY.k</c>),
    /// or the key itself; null when the text holds no key.
    /// </summary>
    public static string? KeyOf(string? name)
    {
        if (name is null || !name.EndsWith(".k", StringComparison.Ordinal))
            return null;
        var withoutSuffix = name[..^2];
        var dot = withoutSuffix.LastIndexOf('.');
        var key = withoutSuffix[(dot + 1)..] + ".k";
        return key.Length == KeyChars + 2 ? key : null;
    }

    /// <summary>The address of the node a node name (or a bare key) stands for.</summary>
    public static IPAddress? ForName(string? name) => ForKey(KeyOf(name));

    private static bool TryDecodeKey(string key, out byte[] bytes)
    {
        bytes = new byte[32];
        if (key.Length != KeyChars + 2 || !key.EndsWith(".k", StringComparison.Ordinal))
            return false;
        var output = 0;
        var bits = 0;
        var next = 0;
        foreach (var c in key.AsSpan(0, KeyChars))
        {
            var digit = Alphabet.IndexOf(char.ToLowerInvariant(c), StringComparison.Ordinal);
            if (digit < 0)
                return false;
            next |= digit << bits;
            bits += 5;
            if (bits >= 8)
            {
                bytes[output++] = (byte)next;
                bits -= 8;
                next >>= 8;
            }
        }
        // 52 characters carry 260 bits: the last 4 must be zero, as cjdns' decoder demands.
        return output == 32 && next == 0;
    }
}
