using System.Net.Sockets;
using CsCheck;
using Mnigs.Subscriber.Probing;

namespace Mnigs.Tests.Subscriber.Probing;

/// <summary>
/// The packets here were captured on Linux 6.18 from iputils ping to the loopback, read by a raw socket
/// as the prober reads them: IPv4 with its IP header, IPv6 without.
/// </summary>
public sealed class IcmpEchoTests
{
    // ping -s 16 127.0.0.1: the request as ping wrote it (identifier 0x600f, sequence 1, a 16-byte timestamp as data) ...
    private static readonly byte[] PingRequestV4 = Convert.FromHexString("0800872d600f000193ca066b00000000738c030000000000");

    // ... and the kernel's reply, behind a 20-byte IP header.
    private static readonly byte[] KernelReplyV4 = Convert.FromHexString(
        "4500002c139c0000400169337f0000017f000001" + "00008f2d600f000193ca066b00000000738c030000000000");

    // ping -R -s 8 127.0.0.1: a reply behind a 60-byte IP header (IHL 15) carrying the record-route option.
    private static readonly byte[] KernelReplyV4WithOptions = Convert.FromHexString(
        "4f00004c192a000040013de17f0000017f000001"
        + "0727147f0000017f0000017f0000017f0000010000000000000000000000000000000000000000000000"
        + "937a607400010001020304050607");

    // ping -6 -s 8 ::1: the reply (identifier 0x72ea, sequence 1).
    private static readonly byte[] KernelReplyV6 = Convert.FromHexString("8100ffb772ea00010001020304050607");

    private static readonly byte[] TimestampCookie = Convert.FromHexString("93ca066b00000000");
    private static readonly byte[] CountingCookie = Convert.FromHexString("0001020304050607");

    [Fact]
    public void Checksum_matches_the_RFC_1071_example()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is its complement.
        Assert.Equal(0x220d, IcmpEcho.Checksum(Convert.FromHexString("0001f203f4f5f6f7")));
    }

    [Fact]
    public void Checksum_pads_an_odd_last_byte_with_zero()
    {
        Assert.Equal(0x54ff, IcmpEcho.Checksum([0xab]));
        Assert.Equal(IcmpEcho.Checksum([0x12, 0x34, 0xab, 0x00]), IcmpEcho.Checksum([0x12, 0x34, 0xab]));
    }

    [Fact]
    public void Checksum_folds_carries_back_in()
    {
        // ffff + 0001 = 1_0000, folded to 0001; complement fffe.
        Assert.Equal(0xfffe, IcmpEcho.Checksum([0xff, 0xff, 0x00, 0x01]));
    }

    [Fact]
    public void An_IPv4_request_is_byte_for_byte_what_ping_sends()
    {
        var request = IcmpEcho.Request(AddressFamily.InterNetwork, 0x600f, 1, PingRequestV4.AsSpan(8));

        Assert.Equal(PingRequestV4, request);
    }

    [Fact]
    public void An_IPv4_request_checks_out()
    {
        var request = IcmpEcho.Request(AddressFamily.InterNetwork, 0xbeef, 0xfffe, CountingCookie);

        Assert.Equal(0, IcmpEcho.Checksum(request));
        Assert.Equal(Convert.FromHexString("0800" + "2d01" + "beeffffe" + "0001020304050607"), request);
    }

    [Fact]
    public void An_IPv6_request_leaves_the_checksum_to_the_kernel()
    {
        var request = IcmpEcho.Request(AddressFamily.InterNetworkV6, 0x72ea, 1, CountingCookie);

        Assert.Equal(Convert.FromHexString("80000000" + "72ea0001" + "0001020304050607"), request);
    }

    [Fact]
    public void The_kernels_IPv4_reply_is_read_after_its_IP_header()
    {
        Assert.True(IcmpEcho.TryReadReply(AddressFamily.InterNetwork, KernelReplyV4, 0x600f, TimestampCookie, out var sequence));
        Assert.Equal(1, sequence);
    }

    [Fact]
    public void An_IPv4_reply_behind_IP_options_is_read()
    {
        Assert.True(IcmpEcho.TryReadReply(AddressFamily.InterNetwork, KernelReplyV4WithOptions, 0x6074, CountingCookie, out var sequence));
        Assert.Equal(1, sequence);
    }

    [Fact]
    public void The_kernels_IPv6_reply_is_read()
    {
        Assert.True(IcmpEcho.TryReadReply(AddressFamily.InterNetworkV6, KernelReplyV6, 0x72ea, CountingCookie, out var sequence));
        Assert.Equal(1, sequence);
    }

    [Fact]
    public void A_reply_to_another_identifier_is_not_ours()
    {
        Assert.False(IcmpEcho.TryReadReply(AddressFamily.InterNetwork, KernelReplyV4, 0x600e, TimestampCookie, out _));
        Assert.False(IcmpEcho.TryReadReply(AddressFamily.InterNetworkV6, KernelReplyV6, 0x72eb, CountingCookie, out _));
    }

    [Fact]
    public void A_reply_without_our_cookie_is_not_ours()
    {
        Assert.False(IcmpEcho.TryReadReply(AddressFamily.InterNetwork, KernelReplyV4, 0x600f, CountingCookie, out _));
        Assert.False(IcmpEcho.TryReadReply(AddressFamily.InterNetworkV6, KernelReplyV6, 0x72ea, TimestampCookie, out _));
    }

    [Fact]
    public void Requests_are_not_replies()
    {
        // On the loopback a raw socket reads its own requests too; this one has a valid checksum.
        var request = Concat(KernelReplyV4.AsSpan(0, 20), PingRequestV4);
        Assert.False(IcmpEcho.TryReadReply(AddressFamily.InterNetwork, request, 0x600f, TimestampCookie, out _));
        var requestV6 = IcmpEcho.Request(AddressFamily.InterNetworkV6, 0x72ea, 1, CountingCookie);
        Assert.False(IcmpEcho.TryReadReply(AddressFamily.InterNetworkV6, requestV6, 0x72ea, CountingCookie, out _));
    }

    [Fact]
    public void A_nonzero_code_is_not_an_echo_reply()
    {
        var reply = (byte[])KernelReplyV6.Clone();
        reply[1] = 1;
        Assert.False(IcmpEcho.TryReadReply(AddressFamily.InterNetworkV6, reply, 0x72ea, CountingCookie, out _));
    }

    [Fact]
    public void An_IPv4_reply_with_a_broken_checksum_is_dropped()
    {
        var reply = (byte[])KernelReplyV4.Clone();
        reply[^1] ^= 0x01;
        Assert.False(IcmpEcho.TryReadReply(AddressFamily.InterNetwork, reply, 0x600f, TimestampCookie, out _));
    }

    [Fact]
    public void IPv4_headers_that_do_not_add_up_are_dropped()
    {
        Assert.False(IcmpEcho.TryReadReply(AddressFamily.InterNetwork, With(KernelReplyV4, 0, 0x44), 0x600f, TimestampCookie, out _)); // IHL 4 < 5
        Assert.False(IcmpEcho.TryReadReply(AddressFamily.InterNetwork, With(KernelReplyV4, 0, 0x4f), 0x600f, TimestampCookie, out _)); // IHL 15 > what is there
        Assert.False(IcmpEcho.TryReadReply(AddressFamily.InterNetwork, With(KernelReplyV4, 0, 0x65), 0x600f, TimestampCookie, out _)); // version 6
        Assert.False(IcmpEcho.TryReadReply(AddressFamily.InterNetwork, With(KernelReplyV4, 9, 17), 0x600f, TimestampCookie, out _)); // UDP
        Assert.False(IcmpEcho.TryReadReply(AddressFamily.InterNetwork, With(KernelReplyV4, 3, 0x2d), 0x600f, TimestampCookie, out _)); // longer than read
        Assert.False(IcmpEcho.TryReadReply(AddressFamily.InterNetwork, With(KernelReplyV4, 3, 0x13), 0x600f, TimestampCookie, out _)); // shorter than its header
    }

    [Fact]
    public void Bytes_after_the_IPv4_total_length_are_not_part_of_the_reply()
    {
        Assert.True(IcmpEcho.TryReadReply(AddressFamily.InterNetwork, [.. KernelReplyV4, 0xde, 0xad], 0x600f, TimestampCookie, out _));
    }

    [Fact]
    public void Every_truncation_of_a_reply_is_dropped()
    {
        foreach (var (family, reply, identifier, cookie) in new[]
        {
            (AddressFamily.InterNetwork, KernelReplyV4, (ushort)0x600f, TimestampCookie),
            (AddressFamily.InterNetwork, KernelReplyV4WithOptions, (ushort)0x6074, CountingCookie),
            (AddressFamily.InterNetworkV6, KernelReplyV6, (ushort)0x72ea, CountingCookie),
        })
        {
            // The fixtures carry exactly the cookie's length of data, so no proper prefix may be accepted.
            for (var length = 0; length < reply.Length; length++)
                Assert.False(IcmpEcho.TryReadReply(family, reply.AsSpan(0, length), identifier, cookie, out _), $"{family} reply cut to {length} bytes");
        }
    }

    [Fact]
    public void Any_bytes_at_all_are_read_without_throwing()
    {
        Gen.Byte.Array[0, 120].Sample(bytes =>
        {
            IcmpEcho.TryReadReply(AddressFamily.InterNetwork, bytes, 0x600f, TimestampCookie, out _);
            IcmpEcho.TryReadReply(AddressFamily.InterNetworkV6, bytes, 0x600f, TimestampCookie, out _);
        });
    }

    [Fact]
    public void Hostile_IPv4_headers_are_read_without_throwing()
    {
        // Bytes that look like an IPv4 header of any IHL and protocol, followed by anything.
        Gen.Select(Gen.Byte[0x40, 0x4f], Gen.Byte, Gen.Byte.Array[0, 100]).Sample((first, protocol, rest) =>
        {
            var packet = new byte[20 + rest.Length];
            packet[0] = first;
            packet[9] = protocol;
            rest.CopyTo(packet, 20);
            IcmpEcho.TryReadReply(AddressFamily.InterNetwork, packet, 0, [], out _);
        });
    }

    private static byte[] With(byte[] packet, int index, byte value)
    {
        var copy = (byte[])packet.Clone();
        copy[index] = value;
        return copy;
    }

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => [.. a, .. b];
}
