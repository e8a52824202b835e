using System.Buffers.Binary;
using System.Net.Sockets;

namespace Mnigs.Subscriber.Probing;

/// <summary>
/// ICMP echo request and reply messages: RFC 792 for IPv4, RFC 4443 section 4.1-4.2 for IPv6. Both are
/// type, code, checksum (RFC 1071), identifier, sequence number, then data, which here is the prober's
/// cookie. An IPv4 raw socket reads the IP header (RFC 791, with options when IHL &gt; 5) in front of
/// the message; an IPv6 raw socket reads the message alone, and the kernel fills in and verifies the
/// ICMPv6 checksum (it needs the pseudo-header), so only IPv4 checksums are computed here.
/// </summary>
internal static class IcmpEcho
{
    public const int CookieLength = 8;

    private const int HeaderLength = 8;
    private const int MinIPv4HeaderLength = 20;
    private const byte ProtocolIcmp = 1;
    private const byte EchoRequestV4 = 8;
    private const byte EchoReplyV4 = 0;
    private const byte EchoRequestV6 = 128;
    private const byte EchoReplyV6 = 129;

    /// <summary>The ICMP type of an echo reply: what a raw socket's filter lets through.</summary>
    public static byte ReplyType(AddressFamily family) => IsV4(family) ? EchoReplyV4 : EchoReplyV6;

    /// <summary>An echo request carrying <paramref name="cookie"/> as its data.</summary>
    public static byte[] Request(AddressFamily family, ushort identifier, ushort sequence, ReadOnlySpan<byte> cookie)
    {
        var v4 = IsV4(family);
        var packet = new byte[HeaderLength + cookie.Length];
        packet[0] = v4 ? EchoRequestV4 : EchoRequestV6;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), identifier);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), sequence);
        cookie.CopyTo(packet.AsSpan(HeaderLength));
        if (v4)
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), Checksum(packet));
        return packet;
    }

    /// <summary>
    /// Whether <paramref name="received"/> (what the raw socket read: with the IP header for IPv4) is an
    /// intact echo reply to one of our requests, and to which <paramref name="sequence"/>. Any bytes at all
    /// are safe to pass: what is not such a reply is false.
    /// </summary>
    public static bool TryReadReply(AddressFamily family, ReadOnlySpan<byte> received, ushort identifier, ReadOnlySpan<byte> cookie, out ushort sequence)
    {
        sequence = 0;
        var v4 = IsV4(family);
        var message = received;
        if (v4 && (!TrySkipIPv4Header(received, out message) || Checksum(message) != 0))
            return false;
        if (message.Length < HeaderLength + cookie.Length
            || message[0] != ReplyType(family)
            || message[1] != 0
            || BinaryPrimitives.ReadUInt16BigEndian(message[4..]) != identifier
            || !message.Slice(HeaderLength, cookie.Length).SequenceEqual(cookie))
            return false;
        sequence = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        return true;
    }

    /// <summary>The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit words.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data)
    {
        ulong sum = 0;
        var i = 0;
        for (; i + 1 < data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length)
            sum += (uint)data[i] << 8; // an odd last byte is padded with a zero byte
        while (sum > 0xFFFF)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    private static bool TrySkipIPv4Header(ReadOnlySpan<byte> packet, out ReadOnlySpan<byte> message)
    {
        message = default;
        if (packet.Length < MinIPv4HeaderLength || packet[0] >> 4 != 4)
            return false;
        var headerLength = (packet[0] & 0x0F) * 4;
        // Linux hands raw sockets the header as it came, total length in network byte order. More than was
        // read means the datagram was cut short (the checksum alone misses a cut through zero bytes).
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (headerLength < MinIPv4HeaderLength || totalLength < headerLength || totalLength > packet.Length || packet[9] != ProtocolIcmp)
            return false;
        message = packet[headerLength..totalLength];
        return true;
    }

    private static bool IsV4(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => true,
        AddressFamily.InterNetworkV6 => false,
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "ICMP echo is IPv4 or IPv6"),
    };
}
