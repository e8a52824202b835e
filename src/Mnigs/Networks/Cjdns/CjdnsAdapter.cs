using System.Diagnostics;
using System.Net;

namespace Mnigs.Networks.Cjdns;

/// <summary>
/// Network <c>cjdns</c>: reads cjdroute's state through its admin interface (bencoded UDP, default
/// 127.0.0.1:11234, cjdns v20 to v22; admin/Admin.c and doc/admin-api.md). Asks only: Core_nodeInfo (or, on a
/// cjdroute without it, NodeStore_nodeForAddr of itself), InterfaceController_peerStats, NodeStore_dumpTable,
/// NodeStore_nodeForAddr and NodeStore_getLink. Never changes cjdroute's configuration. The query methods
/// throw <see cref="CjdnsAdminException"/> (an <see cref="IOException"/>) when cjdroute cannot answer;
/// <see cref="CheckAsync"/> returns the same message as a value.
/// </summary>
public sealed class CjdnsAdapter(CjdnsOptions options, ILogger<CjdnsAdapter> log) : INetworkAdapter
{
    /// <summary>Most nodes ReachableHostsAsync returns; cjdroute's table of a large mesh holds thousands.</summary>
    public const int MaxNodes = 256;

    /// <summary>Most links of one node walked; cjdns nodes have a handful of peers.</summary>
    public const int MaxLinks = 64;

    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private CjdnsAdminClient? _client;
    private (long At, CjdnsSelf Self)? _self;
    private CjdnsSelf? _known;
    private (long At, IReadOnlyList<CjdnsPeer> Peers)? _peers;

    public string Name => "cjdns";

    public async Task<AdapterHealth> CheckAsync(CancellationToken ct)
    {
        try
        {
            // The cjdroute.conf is read again at every check: a restarted cjdroute may have another password.
            var client = Client(options.ResolveEndpoint());
            var self = await SelfAsync(ct);
            var version = self.ProtocolVersion is { } v ? $" (protocol v{v})" : "";
            return AdapterHealth.Ok($"cjdroute{version} on {client.Endpoint.Where}, address {self.Address}");
        }
        catch (CjdnsAdminException e)
        {
            log.LogDebug("cjdns check failed: {Reason}", e.Message);
            lock (_gate)
                _known = null;
            return AdapterHealth.Unavailable(e.Message);
        }
    }

    /// <summary>This node on cjdns as last seen, or null when cjdroute did not answer the last check: what the cjdns tunnel needs without a call.</summary>
    public CjdnsSelf? Known
    {
        get
        {
            lock (_gate)
                return _known;
        }
    }

    /// <summary>cjdroute's IpTunnel through the current admin endpoint.</summary>
    public CjdnsIpTunnel IpTunnel() => new(Client());

    /// <summary>This node's address, key and protocol version; reused for a second.</summary>
    public async Task<CjdnsSelf> SelfAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (_self is { } cached && Stopwatch.GetElapsedTime(cached.At) < CacheFor)
                return cached.Self;
        }
        var client = Client();
        CjdnsSelf self;
        try
        {
            self = CjdnsAnswer.NodeInfo(await client.CallAsync("Core_nodeInfo", null, ct), client.Endpoint.Where);
        }
        catch (CjdnsAdminException e) when (e.UnknownFunction)
        {
            // Older cjdroutes have no Core_nodeInfo; NodeStore_nodeForAddr without an address describes the node itself.
            self = CjdnsAnswer.Node(await client.CallAsync("NodeStore_nodeForAddr", null, ct), client.Endpoint.Where)?.Node
                ?? throw new CjdnsAdminException($"cjdroute on {client.Endpoint.Where} does not describe itself (NodeStore_nodeForAddr answered no node)");
        }
        lock (_gate)
        {
            _self = (Stopwatch.GetTimestamp(), self);
            _known = self;
        }
        return self;
    }

    /// <summary>Every peer cjdroute has, in any state; reused for a second, so a burst of meshNeighbours calls costs one walk through the pages.</summary>
    public async Task<IReadOnlyList<CjdnsPeer>> PeersAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (_peers is { } cached && Stopwatch.GetElapsedTime(cached.At) < CacheFor)
                return cached.Peers;
        }
        var pages = await Client().CallPagedAsync("InterfaceController_peerStats", "peers", MaxNodes, ct);
        IReadOnlyList<CjdnsPeer> peers = CjdnsAnswer.Peers(pages.Items);
        if (pages.Truncated)
            log.LogInformation("cjdroute has more than {Max} peers; Mnigs uses the first {Max}", MaxNodes, MaxNodes);
        lock (_gate)
            _peers = (Stopwatch.GetTimestamp(), peers);
        return peers;
    }

    public async Task<IReadOnlyList<IPAddress>> MyAddressesAsync(CancellationToken ct) => [(await SelfAsync(ct)).Address];

    /// <summary>Peers with an established session, by their cjdns address, with how cjdns reaches them (MAC or UDP address).</summary>
    public async Task<IReadOnlyList<Neighbour>> NeighboursAsync(CancellationToken ct) =>
        [.. (await PeersAsync(ct)).Where(p => p.Established).Select(p => new Neighbour(p.Address, p.LinkLayer, null))];

    public async Task<IReadOnlyList<IPAddress>> NeighbourHostsAsync(CancellationToken ct) =>
        [.. (await PeersAsync(ct)).Where(p => p.Established).Select(p => p.Address).Distinct()];

    /// <summary>
    /// The nodes cjdroute's NodeStore links <paramref name="node"/> to, as the seed's breadth-first scan found
    /// them: NodeStore_nodeForAddr says how many links it has, NodeStore_getLink gives each one's other end.
    /// Null for addresses outside fc00::/8; empty when cjdroute does not know the node.
    /// </summary>
    public async Task<IReadOnlyList<IPAddress>?> NeighboursOfAsync(IPAddress node, CancellationToken ct)
    {
        if (!CjdnsAddress.IsCjdns(node))
            return null;
        var client = Client();
        var ip = CjdnsAddress.Format(node);
        if (CjdnsAnswer.Node(await client.CallAsync("NodeStore_nodeForAddr", new BencDictionary { ["ip"] = ip }, ct), client.Endpoint.Where) is not { } known)
            return [];
        var neighbours = new List<IPAddress>();
        // cjdroute counts one link too many (NodeStore_admin.c linkCount); the walk ends at the first link it lacks.
        for (var linkNum = 0; linkNum < Math.Min(known.LinkCount, MaxLinks); linkNum++)
        {
            BencDictionary link;
            try
            {
                link = await client.CallAsync("NodeStore_getLink", new BencDictionary { ["parent"] = ip, ["linkNum"] = linkNum }, ct);
            }
            catch (CjdnsAdminException e) when (e.CjdnsError is "unknown" or "not_found")
            {
                break;
            }
            // A node's link to itself is how cjdns roots its own routes; it is no neighbour.
            if (CjdnsAnswer.LinkChild(link) is { } child && !child.Equals(node) && !neighbours.Contains(child))
                neighbours.Add(child);
        }
        return neighbours;
    }

    /// <summary>The nodes in cjdroute's routing table (NodeStore_dumpTable, all pages up to <see cref="MaxNodes"/>), without this node.</summary>
    public async Task<IReadOnlyList<IPAddress>> ReachableHostsAsync(CancellationToken ct)
    {
        var self = await SelfAsync(ct);
        var pages = await Client().CallPagedAsync("NodeStore_dumpTable", "routingTable", MaxNodes + 1, ct);
        var hosts = CjdnsAnswer.RoutingTable(pages.Items).Where(a => !a.Equals(self.Address)).Distinct().ToList();
        if (pages.Truncated || hosts.Count > MaxNodes)
            log.LogInformation("cjdroute knows more than {Max} nodes; a scan tries the first {Max} only", MaxNodes, MaxNodes);
        log.LogDebug("cjdns routing table: {Nodes} nodes in {Pages} pages", hosts.Count, pages.Pages);
        return [.. hosts.Take(MaxNodes)];
    }

    /// <summary>
    /// None: cjdns announces no exits. Its gateways (IpTunnel) hand out addresses only to keys they were told
    /// to allow, and nothing in the routing protocol says which nodes offer one.
    /// </summary>
    public Task<IReadOnlyList<ExitHint>> ExitHintsAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<ExitHint>>([]);

    /// <summary>The client for the current endpoint, resolving it once when no check has yet.</summary>
    private CjdnsAdminClient Client(CjdnsAdminEndpoint? resolved = null)
    {
        lock (_gate)
        {
            if (_client is not null && (resolved is null || _client.Endpoint == resolved))
                return _client;
        }
        var endpoint = resolved ?? options.ResolveEndpoint();
        lock (_gate)
        {
            if (_client?.Endpoint != endpoint)
            {
                _client = new CjdnsAdminClient(endpoint, options.EffectiveTimeout);
                _self = null;
                _peers = null;
            }
            return _client;
        }
    }
}
