using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Mnigs.Subscriber.Probing;

/// <summary>
/// One raw ICMP socket (Linux raw(7), icmp(7), icmpv6(7)) of one address family, bound with
/// SO_BINDTODEVICE (socket(7)) to one interface or to none, and its receive loop. Probes on it are told
/// apart by sequence number; the identifier is this socket's own among the prober's sockets.
/// </summary>
internal sealed class IcmpEchoSocket : IDisposable, IAsyncDisposable
{
    private const int SolSocket = 1;
    private const int SoBindToDevice = 25;
    private const int SolRaw = 255;
    private const int IcmpFilter = 1;
    private const int SolIcmpV6 = 58;
    private const int Icmp6Filter = 1;
    private const int IfNameSize = 16;

    // Our replies are at most 60 (IPv4 header with options) + 8 + cookie bytes. A longer datagram is read
    // truncated, fails the checksum and is not ours anyway.
    private const int ReceiveBufferLength = 2048;

    private readonly Socket _socket;
    private readonly byte[]? _boundName;
    private readonly byte[] _cookie;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<ushort, Pending> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;
    private int _sequence;
    private int _closed;

    private IcmpEchoSocket(Socket socket, string? interfaceName, ushort identifier, byte[] cookie, TimeProvider time, ILogger log)
    {
        _socket = socket;
        InterfaceName = interfaceName;
        _boundName = interfaceName is null ? null : Encoding.UTF8.GetBytes(interfaceName);
        Identifier = identifier;
        _cookie = cookie;
        _time = time;
        _log = log;
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    public AddressFamily Family => _socket.AddressFamily;

    public string? InterfaceName { get; }

    public ushort Identifier { get; }

    /// <summary>Its interface went away or the socket failed: the prober opens a new one at the next probe.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Opens the socket, or says in <paramref name="failure"/> why it cannot, in words for an operator.</summary>
    public static bool TryOpen(AddressFamily family, string? interfaceName, ushort identifier, byte[] cookie, TimeProvider time, ILogger log,
        [NotNullWhen(true)] out IcmpEchoSocket? socket, [NotNullWhen(false)] out string? failure)
    {
        socket = null;
        Socket raw;
        try
        {
            raw = new Socket(family, SocketType.Raw, family == AddressFamily.InterNetwork ? ProtocolType.Icmp : ProtocolType.IcmpV6);
        }
        catch (SocketException e)
        {
            failure = e.SocketErrorCode switch
            {
                SocketError.AccessDenied => "raw ICMP sockets need root (CAP_NET_RAW)",
                SocketError.AddressFamilyNotSupported or SocketError.ProtocolNotSupported => $"this host has no {FamilyName(family)} ({e.Message})",
                _ => e.Message,
            };
            return false;
        }
        if (interfaceName is not null)
        {
            try
            {
                raw.SetRawSocketOption(SolSocket, SoBindToDevice, Encoding.UTF8.GetBytes(interfaceName + "\0"));
            }
            catch (SocketException e)
            {
                raw.Dispose();
                // ENODEV has no SocketError of its own: .NET reports it as the generic SocketError.SocketError.
                failure = e.SocketErrorCode == SocketError.SocketError
                    ? $"there is no interface {interfaceName}"
                    : $"cannot bind to interface {interfaceName}: {e.Message}";
                return false;
            }
        }
        try
        {
            // To any local address, which for a raw socket filters nothing. Socket refuses ReceiveFrom on an
            // unbound socket, and until the first send succeeds it counts as unbound: without this the receive
            // loop would die if it started before that send.
            raw.Bind(new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0));
        }
        catch (SocketException e)
        {
            raw.Dispose();
            failure = $"cannot bind the raw socket: {e.Message}";
            return false;
        }
        LetOnlyEchoRepliesThrough(raw, log);
        socket = new IcmpEchoSocket(raw, interfaceName, identifier, cookie, time, log);
        failure = null;
        return true;
    }

    /// <summary>Sends one echo request; the round-trip time of its reply, or null when none came within <paramref name="timeout"/>.</summary>
    public async Task<TimeSpan?> EchoAsync(IPAddress target, TimeSpan timeout, CancellationToken ct)
    {
        var sequence = (ushort)Interlocked.Increment(ref _sequence);
        var pending = new Pending(target);
        // 65 536 probes in flight on one socket could not be told apart; a closed socket answers nothing.
        if (!_pending.TryAdd(sequence, pending))
            return null;
        try
        {
            if (IsClosed)
                return null;
            var request = IcmpEcho.Request(Family, Identifier, sequence, _cookie);
            var start = _time.GetTimestamp();
            if (!await SendAsync(request, target, ct))
                return null;
            try
            {
                return await pending.Answer.Task.WaitAsync(timeout, _time, ct) is { } answeredAt
                    ? _time.GetElapsedTime(start, answeredAt)
                    : null;
            }
            catch (TimeoutException)
            {
                return null;
            }
        }
        finally
        {
            // From here on a late reply to this probe finds nothing waiting and is dropped.
            _pending.TryRemove(new KeyValuePair<ushort, Pending>(sequence, pending));
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        _stop.Cancel();
        _socket.Dispose();
        foreach (var pending in _pending.Values)
            pending.Answer.TrySetResult(null);
    }

    public async ValueTask DisposeAsync()
    {
        Dispose();
        await _receiving;
    }

    private async Task<bool> SendAsync(byte[] request, IPAddress target, CancellationToken ct)
    {
        try
        {
            await _socket.SendToAsync(request, SocketFlags.None, new IPEndPoint(target, 0), ct);
            return true;
        }
        catch (SocketException e)
        {
            if (BoundInterfaceGone())
            {
                // Deleted, or deleted and created again with a new index: either way this socket is bound to nothing.
                _log.LogInformation("Interface {Interface} has gone; probes through it will open a new ICMP socket", InterfaceName);
                Dispose();
            }
            else
            {
                _log.LogDebug("ICMP echo to {Target} via {Interface} not sent: {Error}", target, InterfaceName ?? "the routing table", e.Message);
            }
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false; // closed meanwhile
        }
    }

    /// <summary>
    /// Asked for its device, a bound socket names the device that now has the index it was bound to; the
    /// kernel refuses (ENXIO) when none has. IPv4 sends to a gone device fail with ENODEV, IPv6 ones with
    /// ENETUNREACH, which a device that is there but has no route can cause as well: hence asking.
    /// </summary>
    private bool BoundInterfaceGone()
    {
        if (_boundName is null)
            return false;
        Span<byte> name = stackalloc byte[IfNameSize];
        try
        {
            var length = _socket.GetRawSocketOption(SolSocket, SoBindToDevice, name);
            return !name[..length].TrimEnd((byte)0).SequenceEqual(_boundName);
        }
        catch (SocketException)
        {
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            await ReceiveRepliesAsync();
        }
        catch (Exception e) when (IsClosed && e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Closed: the loop's normal end.
        }
        catch (SocketException e)
        {
            _log.LogWarning("ICMP probe socket ({Family} via {Interface}) stopped receiving: {Error}; the next probe opens a new one",
                FamilyName(Family), InterfaceName ?? "the routing table", e.Message);
        }
        catch (Exception e)
        {
            _log.LogError(e, "ICMP probe socket ({Family} via {Interface}) failed; the next probe opens a new one",
                FamilyName(Family), InterfaceName ?? "the routing table");
        }
        finally
        {
            // Probes must not wait for replies that no loop reads any more.
            Dispose();
        }
    }

    private async Task ReceiveRepliesAsync()
    {
        var buffer = new byte[ReceiveBufferLength];
        EndPoint anyone = new IPEndPoint(Family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!IsClosed)
        {
            var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, anyone, _stop.Token);
            var at = _time.GetTimestamp();
            if (IcmpEcho.TryReadReply(Family, buffer.AsSpan(0, received.ReceivedBytes), Identifier, _cookie, out var sequence)
                && _pending.TryGetValue(sequence, out var pending)
                && SameAddress(pending.Target, ((IPEndPoint)received.RemoteEndPoint).Address))
                pending.Answer.TrySetResult(at);
        }
    }

    /// <summary>Without a filter every ICMP message the host receives would wake the receive loop; the parser would drop them anyway.</summary>
    private static void LetOnlyEchoRepliesThrough(Socket socket, ILogger log)
    {
        var reply = IcmpEcho.ReplyType(socket.AddressFamily);
        try
        {
            // Both filters are bit sets in host byte order where a set bit blocks that ICMP type.
            if (socket.AddressFamily == AddressFamily.InterNetwork)
            {
                socket.SetRawSocketOption(SolRaw, IcmpFilter, BitConverter.GetBytes(~(1u << reply)));
            }
            else
            {
                var blocked = new uint[8];
                Array.Fill(blocked, uint.MaxValue);
                blocked[reply >> 5] &= ~(1u << (reply & 31));
                socket.SetRawSocketOption(SolIcmpV6, Icmp6Filter, MemoryMarshal.AsBytes(blocked.AsSpan()));
            }
        }
        catch (SocketException e)
        {
            log.LogDebug("No ICMP type filter on the probe socket ({Error}); replies are sorted out by reading them", e.Message);
        }
    }

    private static bool SameAddress(IPAddress a, IPAddress b)
    {
        // Scope ids aside: a link-local target is written with one, the reply's source may come without.
        Span<byte> x = stackalloc byte[16];
        Span<byte> y = stackalloc byte[16];
        return a.TryWriteBytes(x, out var xLength) && b.TryWriteBytes(y, out var yLength) && x[..xLength].SequenceEqual(y[..yLength]);
    }

    private static string FamilyName(AddressFamily family) => family == AddressFamily.InterNetwork ? "IPv4" : "IPv6";

    private sealed class Pending(IPAddress target)
    {
        public IPAddress Target { get; } = target;

        /// <summary>The timestamp at which the reply arrived, or null when the socket closed first.</summary>
        public TaskCompletionSource<long?> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
