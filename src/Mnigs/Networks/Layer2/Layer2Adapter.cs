using System.Net;
using System.Net.Sockets;
using Mnigs.Networks.Layer2.Mdns;

namespace Mnigs.Networks.Layer2;

/// <summary>
/// Network <c>layer2</c>: nodes on one switched segment (a bridge, a switch, one Wi-Fi cell) with no routing
/// protocol. Every node is one hop away, so neighbours and reachable hosts are one set: the Mnigs daemons
/// announced over mDNS (<see cref="MdnsAgent"/>, DNS-SD <c>_mnigs._tcp</c>) first, then the other live
/// entries of the kernel's neighbour table (iproute2 JSON, see <see cref="SegmentReader"/>). Only addresses
/// on the interface's own subnets count, and only IPv4 or global/ULA IPv6 ones: a link-local IPv6 address
/// needs a scope id, which nothing past this host can use. The segment announces no exits.
/// </summary>
public sealed class Layer2Adapter(SegmentReader segment, IMdnsPeers peers, ILogger<Layer2Adapter> log) : INetworkAdapter
{
    public string Name => "layer2";

    public async Task<AdapterHealth> CheckAsync(CancellationToken ct)
    {
        SegmentLink link;
        try
        {
            link = await segment.LinkAsync(ct);
        }
        catch (SegmentException e)
        {
            log.LogDebug("layer2 check failed: {Reason}", e.Message);
            return AdapterHealth.Unavailable(e.Message);
        }
        if (Problem(link) is { } problem)
            return AdapterHealth.Unavailable(problem);
        return AdapterHealth.Ok($"{link.Name} {string.Join(' ', link.Usable)}; {peers.Describe()}");
    }

    /// <summary>Why the interface cannot carry Mnigs, in words for the operator; null when it can.</summary>
    public static string? Problem(SegmentLink link)
    {
        if (!link.Up)
            return $"layer2: interface {link.Name} is down: bring it up (ip link set {link.Name} up)";
        if (!link.Carrier)
            return $"layer2: interface {link.Name} has no carrier: is it connected to the switch?";
        if (link.Usable.Count == 0)
            return $"layer2: interface {link.Name} has no IPv4 or global IPv6 address: give it one on the segment (DHCP or static); "
                + "an IPv6 link-local address alone is not enough";
        return null;
    }

    public async Task<IReadOnlyList<IPAddress>> MyAddressesAsync(CancellationToken ct)
    {
        var link = await UsableLinkAsync(ct);
        return [.. link.Usable.Select(a => a.Address)];
    }

    public async Task<IReadOnlyList<Neighbour>> NeighboursAsync(CancellationToken ct) =>
        [.. (await HostsAsync(ct)).Select(a => new Neighbour(a, segment.Interface, null))];

    /// <summary>Announced daemons (gateways first, IPv4 before IPv6), then the neighbour table's other hosts.</summary>
    public Task<IReadOnlyList<IPAddress>> NeighbourHostsAsync(CancellationToken ct) => HostsAsync(ct);

    /// <summary>The same set as the neighbours: on one segment every host is one hop away.</summary>
    public Task<IReadOnlyList<IPAddress>> ReachableHostsAsync(CancellationToken ct) => HostsAsync(ct);

    public Task<IReadOnlyList<ExitHint>> ExitHintsAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<ExitHint>>([]);

    private async Task<IReadOnlyList<IPAddress>> HostsAsync(CancellationToken ct)
    {
        var link = await UsableLinkAsync(ct);
        var announced = peers.Live().SelectMany(p => p.Addresses);
        var table = (await segment.NeighbourTableAsync(ct))
            .OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1);
        return [.. announced.Concat(table).Where(link.OnSegment).Distinct()];
    }

    private async Task<SegmentLink> UsableLinkAsync(CancellationToken ct)
    {
        var link = await segment.LinkAsync(ct);
        return Problem(link) is { } problem ? throw new SegmentException(problem) : link;
    }
}
