using System.Net;
using System.Net.Sockets;

namespace Mnigs.Networks.Layer2.Mdns;

/// <summary>
/// The daemons announced on the segment, by instance name, each kept until its TTL runs out (at most
/// <see cref="MaxTtl"/>) or it says goodbye. A peer's addresses are those it announced that lie on the
/// segment's subnets, plus the address the packet came from: announcements cannot point the scanner at
/// hosts elsewhere. The table holds at most <see cref="Capacity"/> peers; a flood of made-up services
/// cannot grow it further. Pure: the caller passes the time; not thread-safe (the caller locks).
/// </summary>
internal sealed class MdnsPeerTable(int capacity = MdnsPeerTable.DefaultCapacity)
{
    public const int DefaultCapacity = 256;
    public static readonly TimeSpan MaxTtl = TimeSpan.FromMinutes(10);

    private readonly Dictionary<string, MdnsPeer> _peers = new(StringComparer.OrdinalIgnoreCase);

    public int Capacity => capacity;

    /// <summary>
    /// Takes in what one response said. <paramref name="onSegment"/> tells whether an address is a usable
    /// address on the segment (not link-local, inside one of the interface's prefixes). Returns whether
    /// the table changed.
    /// </summary>
    public bool Apply(AnnouncedService service, IPAddress source, Func<IPAddress, bool> onSegment, DateTimeOffset now)
    {
        Expire(now);
        if (service.Ttl == 0)
            return _peers.Remove(service.Instance);
        var addresses = service.Addresses.Append(source)
            .Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a)
            .Where(onSegment)
            .Distinct()
            .OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)
            .Take(MnigsService.MaxAddresses)
            .ToList();
        if (addresses.Count == 0)
            return false;
        if (!_peers.ContainsKey(service.Instance) && _peers.Count >= capacity)
            return false;
        var ttl = TimeSpan.FromSeconds(service.Ttl);
        var peer = new MdnsPeer(service.Instance, service.NodeId, service.Name ?? InstanceLabel(service.Instance), service.Gateway,
            service.Port, addresses, now + (ttl < MaxTtl ? ttl : MaxTtl));
        var changed = !_peers.TryGetValue(service.Instance, out var before) || before.NodeId != peer.NodeId || before.Name != peer.Name
            || before.Gateway != peer.Gateway || before.Port != peer.Port || !before.Addresses.SequenceEqual(peer.Addresses);
        _peers[service.Instance] = peer;
        return changed;
    }

    /// <summary>Peers whose announcement has not run out, one per node id (the latest), gateways first.</summary>
    public IReadOnlyList<MdnsPeer> Live(DateTimeOffset now)
    {
        Expire(now);
        return [.. _peers.Values
            .OrderByDescending(p => p.Expires)
            .DistinctBy(p => p.NodeId ?? "instance:" + p.Instance)
            .OrderBy(p => p.Gateway ? 0 : 1)
            .ThenBy(p => p.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Known answers for the next query (RFC 6762 section 7.1): the instances with more than half of
    /// <see cref="MnigsService.Ttl"/> left, with what is left; the others should answer again.
    /// </summary>
    public IReadOnlyList<(string Instance, uint Ttl)> KnownAnswers(DateTimeOffset now)
    {
        Expire(now);
        return [.. _peers.Values
            .Select(p => (p.Instance, Left: (p.Expires - now).TotalSeconds))
            .Where(p => p.Left > MnigsService.Ttl / 2.0)
            .Select(p => (p.Instance, (uint)p.Left))];
    }

    public void Clear() => _peers.Clear();

    private void Expire(DateTimeOffset now)
    {
        foreach (var (instance, peer) in _peers.ToList())
        {
            if (peer.Expires <= now)
                _peers.Remove(instance);
        }
    }

    private static string InstanceLabel(string instance) => instance[..^(MnigsService.ServiceType.Length + 1)];
}
