using System.Buffers.Binary;

namespace Mnigs.Tunnels.SoftEther;

/// <summary>
/// The hash SoftEther VPN keeps of an administrator password (<c>HashedPassword</c> in vpn_server.config,
/// <c>EncryptedPassword</c> in vpn_client.config): SHA-0 of the password (FIPS 180, the 1993 SHA without SHA-1's
/// rotation in the message schedule; Mayaqua's Sha0). Mnigs writes it into the configuration it starts SoftEther with,
/// so the administrator password is in place before the first listener opens. Not used for anything of Mnigs' own.
/// </summary>
public static class SoftEtherPasswordHash
{
    /// <summary>Base64 of SHA-0 of the UTF-8 <paramref name="password"/>, as SoftEther writes it (<c>+WzqGYrR3VYXrAhKPZLGEHcIwO8=</c> for the empty one).</summary>
    public static string Of(string password) => Convert.ToBase64String(Sha0(System.Text.Encoding.UTF8.GetBytes(password)));

    public static byte[] Sha0(ReadOnlySpan<byte> data)
    {
        uint h0 = 0x67452301, h1 = 0xEFCDAB89, h2 = 0x98BADCFE, h3 = 0x10325476, h4 = 0xC3D2E1F0;
        // Padding: 0x80, zeros up to 56 mod 64, then the length in bits, big-endian.
        var length = ((data.Length + 8) / 64 + 1) * 64;
        var message = new byte[length];
        data.CopyTo(message);
        message[data.Length] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(length - 8), (ulong)data.Length * 8);
        var w = new uint[80];
        for (var block = 0; block < length; block += 64)
        {
            for (var t = 0; t < 16; t++)
                w[t] = BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(block + (t * 4)));
            for (var t = 16; t < 80; t++)
                w[t] = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16];
            uint a = h0, b = h1, c = h2, d = h3, e = h4;
            for (var t = 0; t < 80; t++)
            {
                var (f, k) = t switch
                {
                    < 20 => ((b & c) | (~b & d), 0x5A827999u),
                    < 40 => (b ^ c ^ d, 0x6ED9EBA1u),
                    < 60 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDCu),
                    _ => (b ^ c ^ d, 0xCA62C1D6u),
                };
                var temp = uint.RotateLeft(a, 5) + f + e + k + w[t];
                e = d;
                d = c;
                c = uint.RotateLeft(b, 30);
                b = a;
                a = temp;
            }
            h0 += a;
            h1 += b;
            h2 += c;
            h3 += d;
            h4 += e;
        }
        var digest = new byte[20];
        BinaryPrimitives.WriteUInt32BigEndian(digest, h0);
        BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(4), h1);
        BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(8), h2);
        BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(12), h3);
        BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(16), h4);
        return digest;
    }
}
