using System.Net;
using Mnigs.Core.Host;

namespace Mnigs.Platform;

/// <summary>
/// An <see cref="IHostPlatform"/> that changes nothing and remembers everything it was asked (like
/// Tailscale's router_fake): every applied state in order, the current one, how often cleanup ran.
/// </summary>
public sealed class FakeHostPlatform : IHostPlatform
{
    private readonly Lock _lock = new();
    private readonly List<HostState> _applied = [];
    private HostState _current = HostState.Empty;
    private int _cleanups;
    private readonly Dictionary<string, IReadOnlyDictionary<string, (long Rx, long Tx)>> _transfers = new(StringComparer.Ordinal);

    public HostFacts Facts { get; set; } = new(
        DefaultRouteInterface: "eth0",
        KernelWireGuard: false,
        WireGuardGo: "/usr/bin/wireguard-go",
        WireGuardTools: true,
        Nftables: true,
        SystemdResolved: false,
        Resolvers: []);

    private readonly Dictionary<string, List<InterfaceAddress>> _linkAddresses = new(StringComparer.Ordinal);

    /// <summary>Addresses on interfaces Mnigs does not own, as <see cref="SetLinkAddressesAsync"/> left them (and as a test put them there).</summary>
    public IReadOnlyList<InterfaceAddress> LinkAddresses(string iface)
    {
        lock (_lock)
            return _linkAddresses.TryGetValue(iface, out var list) ? [.. list] : [];
    }

    /// <summary>Puts an address on a foreign interface, as cjdroute does on its TUN.</summary>
    public void AddLinkAddress(string iface, InterfaceAddress address)
    {
        lock (_lock)
        {
            if (!_linkAddresses.TryGetValue(iface, out var list))
                _linkAddresses[iface] = list = [];
            if (!list.Contains(address))
                list.Add(address);
        }
    }

    public Task SetLinkAddressesAsync(string iface, IReadOnlyList<InterfaceAddress> wanted, IReadOnlyList<IPNetwork> within, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_linkAddresses.TryGetValue(iface, out var list))
                _linkAddresses[iface] = list = [];
            list.RemoveAll(a => within.Any(n => n.Contains(a.Address)) && !wanted.Contains(a));
            list.AddRange(wanted.Where(w => !list.Contains(w)));
        }
        return Task.CompletedTask;
    }

    /// <summary>Path MTU answered for every destination (null: unroutable).</summary>
    public Func<IPAddress, int?> PathMtu { get; set; } = _ => 1500;

    /// <summary>When set, the next <see cref="ApplyAsync"/> throws it instead of applying (once).</summary>
    public Exception? FailNextApply { get; set; }

    public IReadOnlyList<HostState> Applied
    {
        get
        {
            lock (_lock)
                return [.. _applied];
        }
    }

    public HostState Current
    {
        get
        {
            lock (_lock)
                return _current;
        }
    }

    public int CleanupCount
    {
        get
        {
            lock (_lock)
                return _cleanups;
        }
    }

    public Task ApplyAsync(HostState desired, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (FailNextApply is { } error)
            {
                FailNextApply = null;
                return Task.FromException(error);
            }
            _applied.Add(desired);
            _current = desired;
        }
        return Task.CompletedTask;
    }

    public Task CleanupAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _cleanups++;
            _current = HostState.Empty;
        }
        return Task.CompletedTask;
    }

    public Task<HostFacts> ReadFactsAsync(CancellationToken ct) => Task.FromResult(Facts);

    public Task<int?> PathMtuAsync(IPAddress destination, CancellationToken ct) => Task.FromResult(PathMtu(destination));

    /// <summary>What <see cref="RouteToAsync"/> answers for every destination (null: unroutable, the default).</summary>
    public Func<IPAddress, RouteHop?> Route { get; set; } = _ => null;

    public Task<RouteHop?> RouteToAsync(IPAddress destination, CancellationToken ct) => Task.FromResult(Route(destination));

    /// <summary>What <see cref="ReadPeerTransfersAsync"/> answers for <paramref name="iface"/> from now on: bytes received from and sent to each peer, by public key.</summary>
    public void SetPeerTransfers(string iface, IReadOnlyDictionary<string, (long Rx, long Tx)> transfers)
    {
        lock (_lock)
            _transfers[iface] = new Dictionary<string, (long Rx, long Tx)>(transfers, StringComparer.Ordinal);
    }

    private readonly Dictionary<string, long> _quotas = new(StringComparer.Ordinal);

    /// <summary>What <see cref="ReadQuotasAsync"/> answers from now on for the quota <paramref name="name"/>: the bytes it has counted.</summary>
    public void SetQuotaUsed(string name, long used)
    {
        lock (_lock)
            _quotas[name] = used;
    }

    /// <summary>The counts set with <see cref="SetQuotaUsed"/> of the quotas the current host state has; the others are gone, as in the kernel.</summary>
    public Task<IReadOnlyDictionary<string, long>> ReadQuotasAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var present = _current.Firewall.Payment.Paid.Where(p => p.LimitBytes is not null).Select(p => p.Quota).ToHashSet(StringComparer.Ordinal);
            return Task.FromResult<IReadOnlyDictionary<string, long>>(_quotas.Where(q => present.Contains(q.Key)).ToDictionary(StringComparer.Ordinal));
        }
    }

    /// <summary>The counters set with <see cref="SetPeerTransfers"/>; an interface never set has no peers.</summary>
    public Task<IReadOnlyDictionary<string, (long Rx, long Tx)>> ReadPeerTransfersAsync(string iface, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        lock (_lock)
            return Task.FromResult(_transfers.GetValueOrDefault(iface) ?? new Dictionary<string, (long Rx, long Tx)>());
    }
}
