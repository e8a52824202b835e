using System.Security.Cryptography;
using System.Text;
using Mnigs.Networks.Cjdns;

namespace Mnigs.Tests.Networks.Cjdns;

/// <summary>
/// What cjdroute does with bytes on the wire, rewritten from its source for the fake (not used by Mnigs):
/// its writer's padding (benc/serialization/standard/BencMessageWriter.c) and its password check
/// (admin/Admin.c, authValid).
/// </summary>
internal static class CjdrouteWire
{
    /// <summary>
    /// cjdroute writes a datagram backwards into an 8-byte-aligned buffer and, unless the start happens to be
    /// aligned, pads the first key's length with zeros until it is: <c>d0000005:error4:none...</c>.
    /// </summary>
    public static byte[] Encode(BencDictionary message)
    {
        var plain = Bencode.Encode(message);
        var padding = (8 - plain.Length % 8) % 8;
        if (padding == 0 || message.Count == 0)
            return plain;
        return [(byte)'d', .. Enumerable.Repeat((byte)'0', padding), .. plain.AsSpan(1)];
    }

    /// <summary>
    /// cjdroute's check of a signed call: the cookie must be the one it gave, the hash 64 characters; it finds the
    /// hash in the received bytes, puts sha256_hex(password + cookie) there (snprintf into 64 bytes: at most 63
    /// of them), hashes all the bytes and compares. (cjdroute also wants the cookie less than 20 s old.)
    /// </summary>
    public static bool AuthValid(byte[] datagram, BencDictionary message, string password, string issuedCookie)
    {
        var cookie = message.Text("cookie");
        var submitted = (message["hash"] as BencString)?.Bytes.ToArray();
        if (cookie != issuedCookie || submitted is not { Length: 64 })
            return false;
        var at = datagram.AsSpan().IndexOf(submitted);
        if (at < 0)
            return false;
        var passAndCookie = Encoding.UTF8.GetBytes(password + uint.Parse(cookie, System.Globalization.CultureInfo.InvariantCulture));
        var bytes = datagram.ToArray();
        Encoding.ASCII.GetBytes(Hex(passAndCookie.AsSpan(0, Math.Min(63, passAndCookie.Length)))).CopyTo(bytes, at);
        return Encoding.ASCII.GetBytes(Hex(bytes)).AsSpan().SequenceEqual(submitted);
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
