using System.Net;

namespace Mnigs.Networks;

/// <summary>
/// One routing protocol (babel, cjdns, yggdrasil, ...): what this node's address is on it, who its
/// neighbours are, which hosts it can reach, and which exits the protocol already announces.
/// Talks to the routing daemon through the daemon's own interface; never changes the host.
/// </summary>
public interface INetworkAdapter
{
    /// <summary>Network id as used in suite ids, e.g. <c>babel</c>.</summary>
    string Name { get; }

    /// <summary>Whether the routing daemon answers; the message says why not in words an operator acts on.</summary>
    Task<AdapterHealth> CheckAsync(CancellationToken ct);

    Task<IReadOnlyList<IPAddress>> MyAddressesAsync(CancellationToken ct);

    Task<IReadOnlyList<Neighbour>> NeighboursAsync(CancellationToken ct);

    /// <summary>Hosts (not prefixes) the routing table can reach over this network.</summary>
    Task<IReadOnlyList<IPAddress>> ReachableHostsAsync(CancellationToken ct);

    /// <summary>Exits the protocol announces by itself (e.g. babel default routes): unmanaged hints.</summary>
    Task<IReadOnlyList<ExitHint>> ExitHintsAsync(CancellationToken ct);

    /// <summary>Mesh addresses of the nodes one hop away (the first level of a breadth-first scan).</summary>
    Task<IReadOnlyList<IPAddress>> NeighbourHostsAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<IPAddress>>([]);

    /// <summary>The neighbours of another node, when the protocol can tell (cjdns, OLSR topology, Yggdrasil); null when it cannot.</summary>
    Task<IReadOnlyList<IPAddress>?> NeighboursOfAsync(IPAddress node, CancellationToken ct) => Task.FromResult<IReadOnlyList<IPAddress>?>(null);
}

public sealed record AdapterHealth(bool Available, string Message)
{
    public static AdapterHealth Ok(string message = "ok") => new(true, message);
    public static AdapterHealth Unavailable(string message) => new(false, message);
}

public sealed record Neighbour(IPAddress Address, string Interface, int? Cost);

public sealed record ExitHint(string Prefix, IPAddress? Via, IPAddress? Origin, string Interface, int? Metric);
