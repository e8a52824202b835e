using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mnigs.Networks.Layer2.Mdns;

/// <summary>
/// The two mDNS sockets (224.0.0.251 and ff02::fb, UDP port 5353) of one interface, and their receive loops.
/// Each socket shares the port with other mDNS programs (SO_REUSEADDR, as avahi does), joins the group on
/// this interface's index only, sends there only (IP_MULTICAST_IF with ip_mreqn, IPV6_MULTICAST_IF) with
/// TTL/hop limit 255 (RFC 6762 section 11) and no loopback of its own packets. It is bound to the device
/// where the kernel allows it; either way a packet that arrived on another interface (IP_PKTINFO) or is
/// larger than an mDNS packet may be is dropped before it is read.
/// </summary>
internal sealed class MdnsChannel : IDisposable
{
    public const int Port = 5353;
    public static readonly IPAddress GroupV4 = IPAddress.Parse("224.0.0.251");
    public static readonly IPAddress GroupV6 = IPAddress.Parse("ff02::fb");

    // Linux socket options .NET has no names for (asm-generic/socket.h, linux/in.h, linux/in6.h).
    private const int SolSocket = 1;
    private const int SoBindToDevice = 25;
    private const int IpProtoIp = 0;
    private const int IpMulticastIf = 32;
    private const int IpMulticastAll = 49;
    private const int IpProtoIpv6 = 41;
    private const int Ipv6MulticastAll = 29;

    private readonly Socket? _v4;
    private readonly Socket? _v6;
    private readonly IPEndPoint _groupV4;
    private readonly IPEndPoint _groupV6;
    private readonly CancellationTokenSource _stop = new();

    private MdnsChannel(int index, Socket? v4, Socket? v6, IReadOnlyList<string> problems)
    {
        Index = index;
        _v4 = v4;
        _v6 = v6;
        Problems = problems;
        _groupV4 = new IPEndPoint(GroupV4, Port);
        _groupV6 = new IPEndPoint(new IPAddress(GroupV6.GetAddressBytes(), index), Port);
    }

    public int Index { get; }

    /// <summary>Why a family could not be opened (the other may still work).</summary>
    public IReadOnlyList<string> Problems { get; }

    public bool HasIPv4 => _v4 is not null;

    public bool HasIPv6 => _v6 is not null;

    /// <summary>
    /// Opens both families on interface <paramref name="name"/> (index <paramref name="index"/>) and starts receiving;
    /// <paramref name="onPacket"/> gets each datagram (valid only during the call) and its sender. Throws
    /// <see cref="SocketException"/> when neither family can be opened.
    /// </summary>
    public static MdnsChannel Open(string name, int index, Action<ReadOnlyMemory<byte>, IPEndPoint, AddressFamily> onPacket, Action<string> onError)
    {
        var problems = new List<string>();
        var v4 = TryOpen(() => OpenV4(name, index), "IPv4", problems);
        var v6 = TryOpen(() => OpenV6(name, index), "IPv6", problems);
        if (v4 is null && v6 is null)
            throw new SocketException((int)SocketError.AddressNotAvailable, string.Join("; ", problems));
        var channel = new MdnsChannel(index, v4, v6, problems);
        foreach (var socket in new[] { v4, v6 })
        {
            if (socket is not null)
                _ = Task.Run(() => channel.ReceiveAsync(socket, onPacket, onError), CancellationToken.None);
        }
        return channel;
    }

    /// <summary>Multicasts <paramref name="packet"/> on <paramref name="family"/>, or on both when null.</summary>
    public async Task SendAsync(byte[] packet, AddressFamily? family, CancellationToken ct)
    {
        if (_v4 is not null && family is null or AddressFamily.InterNetwork)
            await _v4.SendToAsync(packet, SocketFlags.None, _groupV4, ct);
        if (_v6 is not null && family is null or AddressFamily.InterNetworkV6)
            await _v6.SendToAsync(packet, SocketFlags.None, _groupV6, ct);
    }

    private async Task ReceiveAsync(Socket socket, Action<ReadOnlyMemory<byte>, IPEndPoint, AddressFamily> onPacket, Action<string> onError)
    {
        // One byte more than the largest mDNS packet: a datagram that fills it was larger, and is dropped.
        var buffer = new byte[DnsMessage.MaxPacket + 1];
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetwork ? new IPEndPoint(IPAddress.Any, 0) : new IPEndPoint(IPAddress.IPv6Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult received;
            try
            {
                received = await socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                onError($"receiving on {socket.AddressFamily}: {e.Message}");
                try
                {
                    await Task.Delay(100, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            if (received.ReceivedBytes > DnsMessage.MaxPacket || received.PacketInformation.Interface != Index
                || received.RemoteEndPoint is not IPEndPoint sender)
                continue;
            onPacket(buffer.AsMemory(0, received.ReceivedBytes), sender, socket.AddressFamily);
        }
    }

    private static Socket? TryOpen(Func<Socket> open, string family, List<string> problems)
    {
        try
        {
            return open();
        }
        catch (SocketException e)
        {
            problems.Add(e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"{family}: UDP port {Port} is taken by a program that does not share it"
                : $"{family}: {e.Message}");
            return null;
        }
    }

    private static Socket OpenV4(string name, int index)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            BindToDevice(socket, name);
            Try(() => socket.SetRawSocketOption(IpProtoIp, IpMulticastAll, Int(0)));
            socket.Bind(new IPEndPoint(IPAddress.Any, Port));
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(GroupV4, index));
            // struct ip_mreqn { imr_multiaddr, imr_address, imr_ifindex }: the interface by index, whatever its addresses.
            var mreqn = new byte[12];
            BitConverter.TryWriteBytes(mreqn.AsSpan(8), index);
            socket.SetRawSocketOption(IpProtoIp, IpMulticastIf, mreqn);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, false);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static Socket OpenV6(string name, int index)
    {
        var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.IPv6Only, true);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            BindToDevice(socket, name);
            Try(() => socket.SetRawSocketOption(IpProtoIpv6, Ipv6MulticastAll, Int(0)));
            socket.Bind(new IPEndPoint(IPAddress.IPv6Any, Port));
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(GroupV6, index));
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, index);
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, 255);
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, false);
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.PacketInformation, true);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>SO_BINDTODEVICE: only this interface's packets reach the socket. Needs CAP_NET_RAW before Linux 5.7; IP_PKTINFO covers it otherwise.</summary>
    private static void BindToDevice(Socket socket, string name) =>
        Try(() => socket.SetRawSocketOption(SolSocket, SoBindToDevice, Encoding.ASCII.GetBytes(name + "\0")));

    private static void Try(Action option)
    {
        try
        {
            option();
        }
        catch (SocketException)
        {
            // An older kernel without the option: the index checks on receipt still hold.
        }
    }

    private static byte[] Int(int value) => BitConverter.GetBytes(value);

    public void Dispose()
    {
        _stop.Cancel();
        _v4?.Dispose();
        _v6?.Dispose();
    }
}
