using System.Security.Cryptography;
using System.Text;

namespace Mnigs.Networks.Cjdns;

/// <summary>
/// The datagrams of cjdns' admin protocol (admin/Admin.c, cjdns v20 to v22): a cookie request, and a call
/// signed with the password and that cookie. The signature is two sha256 hashes: first
/// sha256_hex(password + cookie) stands in the request's <c>hash</c>, then the request is bencoded and
/// <c>hash</c> becomes sha256_hex of those bytes. cjdroute checks it by putting the first hash back in
/// place of the second within the bytes it received and hashing them again.
/// </summary>
internal static class CjdnsAdminRequest
{
    /// <summary>cjdroute writes password and cookie into a 64-byte buffer with snprintf: it hashes at most 63 bytes of them.</summary>
    private const int PassAndCookieBytes = 63;

    public static byte[] Cookie(string txid) => Bencode.Encode(new BencDictionary { ["q"] = "cookie", ["txid"] = txid });

    public static byte[] Call(string function, BencDictionary? args, string password, string cookie, string txid)
    {
        var request = new BencDictionary
        {
            ["q"] = "auth",
            ["aq"] = function,
            ["args"] = args ?? new BencDictionary(),
            ["cookie"] = cookie,
            ["txid"] = txid,
            ["hash"] = Sha256Hex(PassAndCookie(password, cookie)),
        };
        request["hash"] = Sha256Hex(Bencode.Encode(request));
        return Bencode.Encode(request);
    }

    /// <summary>What cjdroute hashes first: password then cookie, cut where its buffer ends.</summary>
    public static byte[] PassAndCookie(string password, string cookie)
    {
        var bytes = Encoding.UTF8.GetBytes(password + cookie);
        return bytes.Length <= PassAndCookieBytes ? bytes : bytes[..PassAndCookieBytes];
    }

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
