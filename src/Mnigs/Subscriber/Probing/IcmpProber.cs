using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Mnigs.Core.Selection;

namespace Mnigs.Subscriber.Probing;

/// <summary>
/// <see cref="IProber"/> with raw ICMP echo sockets (Linux raw(7); the daemon runs as root, or needs
/// CAP_NET_RAW). One socket per address family and interface, opened at its first probe and kept; each
/// has a random identifier and one receive loop that hands replies to waiting probes by sequence number.
/// Every request carries this prober's random cookie, so replies to other pingers are ignored. A probe
/// through an interface binds its socket there (SO_BINDTODEVICE): it leaves through that tunnel whatever
/// the policy routing prefers. When that interface goes away its socket is opened again at the next probe.
/// </summary>
public sealed class IcmpProber(TimeProvider time, ILogger<IcmpProber> log) : IProber, IDisposable, IAsyncDisposable
{
    private const int MaxInterfaceNameBytes = 15; // IFNAMSIZ less the terminating NUL

    private readonly byte[] _cookie = RandomNumberGenerator.GetBytes(IcmpEcho.CookieLength);
    private readonly Lock _lock = new();
    private readonly Dictionary<(AddressFamily Family, string? Interface), IcmpEchoSocket> _sockets = [];
    private readonly Dictionary<(AddressFamily Family, string? Interface), string> _failures = [];
    private bool _disposed;

    public async Task<ProbeResult> ProbeAsync(IPAddress target, string? interfaceName, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        if (interfaceName is not null && !IsInterfaceName(interfaceName))
            throw new ArgumentException($"'{interfaceName}' cannot be the name of a Linux interface", nameof(interfaceName));
        if (target.IsIPv4MappedToIPv6)
            target = target.MapToIPv4();
        if (target.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            throw new ArgumentException($"{target} is neither an IPv4 nor an IPv6 address", nameof(target));
        ct.ThrowIfCancellationRequested();

        var sentAt = time.GetUtcNow();
        var socket = Acquire(target.AddressFamily, interfaceName);
        var rtt = socket is null ? null : await socket.EchoAsync(target, timeout, ct);
        return rtt is { } answered ? ProbeResult.Answer(sentAt, answered) : ProbeResult.Miss(sentAt);
    }

    public void Dispose()
    {
        foreach (var socket in TakeAll())
            socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var socket in TakeAll())
            await socket.DisposeAsync();
    }

    private IcmpEchoSocket? Acquire(AddressFamily family, string? interfaceName)
    {
        var key = (family, interfaceName);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_sockets.TryGetValue(key, out var socket))
            {
                if (!socket.IsClosed)
                    return socket;
                _sockets.Remove(key);
            }
            if (!IcmpEchoSocket.TryOpen(family, interfaceName, FreeIdentifier(), _cookie, time, log, out socket, out var failure))
            {
                // Once per reason, not once per probe: the autopilot probes five times a second.
                if (!_failures.TryGetValue(key, out var known) || known != failure)
                {
                    log.LogWarning("Cannot open an ICMP probe socket for {Family} via {Interface}: {Reason}; its probes count as missed",
                        family == AddressFamily.InterNetwork ? "IPv4" : "IPv6", interfaceName ?? "the routing table", failure);
                }
                _failures[key] = failure;
                return null;
            }
            _failures.Remove(key);
            _sockets[key] = socket;
            log.LogDebug("Opened an ICMP probe socket for {Family} via {Interface} with identifier {Identifier}",
                family == AddressFamily.InterNetwork ? "IPv4" : "IPv6", interfaceName ?? "the routing table", socket.Identifier);
            return socket;
        }
    }

    /// <summary>A random identifier none of this prober's sockets has, so an unbound socket never takes a bound one's reply.</summary>
    private ushort FreeIdentifier()
    {
        while (true)
        {
            var identifier = (ushort)RandomNumberGenerator.GetInt32(0x10000);
            if (!_sockets.Values.Any(s => s.Identifier == identifier))
                return identifier;
        }
    }

    private List<IcmpEchoSocket> TakeAll()
    {
        lock (_lock)
        {
            _disposed = true;
            var all = _sockets.Values.ToList();
            _sockets.Clear();
            return all;
        }
    }

    /// <summary>What Linux accepts as a device name (dev_valid_name), so SO_BINDTODEVICE never binds to a truncated one.</summary>
    private static bool IsInterfaceName(string name) =>
        name.Length > 0
        && Encoding.UTF8.GetByteCount(name) <= MaxInterfaceNameBytes
        && name is not ("." or "..")
        && !name.Any(c => c is '/' or ':' or '\0' || char.IsWhiteSpace(c));
}
