using System.Net;
using System.Net.Sockets;

namespace Mnigs.Networks.Yggdrasil;

/// <summary>
/// Yggdrasil's addressing (yggdrasil-go src/address/address.go, the same in 0.4 and 0.5): node addresses are in
/// 200::/8, routed subnets in 300::/8 (together 200::/7), and a node's address follows from its public key.
/// </summary>
public static class YggdrasilAddress
{
    public static readonly IPNetwork Range = IPNetwork.Parse("200::/7");

    public const int KeyHexLength = 64;

    /// <summary>An address of a node (200::/8), not of a routed subnet.</summary>
    public static bool IsNode(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && address.GetAddressBytes()[0] == 0x02;

    public static bool IsKey(string? key) =>
        key is { Length: KeyHexLength } && key.All(char.IsAsciiHexDigit);

    /// <summary>
    /// address.AddrForKey: invert the key's bits; the address is 0x02, then the count of leading ones, then the
    /// bits after the first zero, cut at 128 bits. Null when <paramref name="key"/> is not 64 hex digits.
    /// </summary>
    public static IPAddress? ForKey(string key)
    {
        if (!IsKey(key))
            return null;
        var inverted = Convert.FromHexString(key);
        for (var i = 0; i < inverted.Length; i++)
            inverted[i] = (byte)~inverted[i];
        var address = new byte[16];
        address[0] = 0x02;
        var ones = 0;
        var bit = 0;
        while (bit < inverted.Length * 8 && Bit(inverted, bit) == 1)
        {
            ones++;
            bit++;
        }
        address[1] = (byte)ones;
        bit++; // the first zero
        for (var outBit = 16; outBit < 128 && bit < inverted.Length * 8; outBit++, bit++)
            address[outBit / 8] |= (byte)(Bit(inverted, bit) << (7 - (outBit % 8)));
        return new IPAddress(address);
    }

    private static int Bit(byte[] bytes, int index) => (bytes[index / 8] >> (7 - (index % 8))) & 1;
}
