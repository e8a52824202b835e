using System.Net;

namespace Mnigs.Networks.Yggdrasil;

/// <summary>
/// Network <c>yggdrasil</c>: reads yggdrasil's state through its admin socket (JSON, one request per connection;
/// yggdrasil-go 0.4.7 as packaged by Debian, and 0.5's field names; format in yggdrasil-go src/admin/*.go and
/// src/core/proto.go). Asks only: getSelf, getPeers, getDHT (0.4) or getTree (0.5), getPaths, getSessions, and
/// debug_remoteGetPeers to learn the peers of nodes further away. Never changes yggdrasil's configuration.
/// The query methods throw <see cref="YggdrasilAdminException"/> (an <see cref="IOException"/>) when yggdrasil
/// cannot answer; <see cref="CheckAsync"/> returns the same message as a value. Yggdrasil announces no exits.
/// </summary>
public sealed class YggdrasilAdapter : INetworkAdapter
{
    /// <summary>Most nodes a scan learns; a node peering with the public Yggdrasil network could otherwise walk all of it.</summary>
    public const int MaxNodes = 256;

    private const int WalkParallelism = 8;

    /// <summary>yggdrasil gives up on a remote node's answer after 6 s and says "timeout".</summary>
    private static readonly TimeSpan RemoteWait = TimeSpan.FromSeconds(6);

    private readonly YggdrasilOptions _options;
    private readonly ILogger<YggdrasilAdapter> _log;
    private readonly YggdrasilEndpoint? _endpoint;
    private readonly string _endpointError;
    private int _warnedAboutSkipped;

    public YggdrasilAdapter(YggdrasilOptions options, ILogger<YggdrasilAdapter> log)
    {
        _options = options;
        _log = log;
        _endpoint = YggdrasilEndpoint.TryParse(options.AdminEndpoint, out var endpoint, out _endpointError) ? endpoint : null;
    }

    public string Name => "yggdrasil";

    public async Task<AdapterHealth> CheckAsync(CancellationToken ct)
    {
        try
        {
            var self = await SelfAsync(ct);
            var version = self.Version is { } v ? " " + v : "";
            return AdapterHealth.Ok($"yggdrasil{version} on {Endpoint.Where}, address {self.Address}" + (self.Subnet is { } s ? $", subnet {s}" : ""));
        }
        catch (YggdrasilAdminException e)
        {
            _log.LogDebug("yggdrasil check failed: {Reason}", e.Message);
            return AdapterHealth.Unavailable(e.Message);
        }
    }

    public async Task<YggdrasilSelf> SelfAsync(CancellationToken ct) =>
        YggdrasilAnswer.Self(await AskAsync("getSelf", null, _options.EffectiveTimeout, ct), Endpoint.Where);

    public async Task<YggdrasilList<YggdrasilPeer>> PeersAsync(CancellationToken ct) =>
        Checked("getPeers", YggdrasilAnswer.Peers(await AskAsync("getPeers", null, _options.EffectiveTimeout, ct), Endpoint.Where));

    /// <summary>One of the node lists: getDHT, getTree, getPaths or getSessions.</summary>
    public async Task<YggdrasilList<YggdrasilNode>> NodesAsync(string request, CancellationToken ct) =>
        Checked(request, YggdrasilAnswer.Nodes(await AskAsync(request, null, _options.EffectiveTimeout, ct), request, Endpoint.Where));

    /// <summary>The keys of the peers of the node with <paramref name="key"/>, asked over the network (debug_remoteGetPeers).</summary>
    public async Task<YggdrasilList<string>> RemotePeersAsync(string key, CancellationToken ct) =>
        Checked("debug_remoteGetPeers",
            YggdrasilAnswer.RemotePeers(await AskAsync("debug_remoteGetPeers", key, _options.EffectiveTimeout + RemoteWait, ct), Endpoint.Where));

    public async Task<IReadOnlyList<IPAddress>> MyAddressesAsync(CancellationToken ct) => [(await SelfAsync(ct)).Address];

    /// <summary>Connected peers by their Yggdrasil address, with the interface they were found on (or their URI).</summary>
    public async Task<IReadOnlyList<Neighbour>> NeighboursAsync(CancellationToken ct)
    {
        var peers = await PeersAsync(ct);
        return [.. peers.Items
            .Where(p => p.Up && p.Address is not null)
            .Select(p => new Neighbour(p.Address!, p.Interface, p.Cost is { } c ? (int)Math.Min(c, int.MaxValue) : null))];
    }

    /// <summary>
    /// Every node this yggdrasil knows of: its peers, its DHT (0.4) or spanning tree (0.5), its paths and sessions.
    /// A 0.4 DHT holds only a few nodes, so then the peers of every known node are asked for as well, breadth-first,
    /// up to <see cref="MaxNodes"/>. My own address is left out.
    /// </summary>
    public async Task<IReadOnlyList<IPAddress>> ReachableHostsAsync(CancellationToken ct)
    {
        var self = await SelfAsync(ct);
        var known = new KnownNodes(self.Address);
        foreach (var peer in (await PeersAsync(ct)).Items.Where(p => p.Up && p.Address is not null))
            known.Add(peer.Address!, peer.Key);

        var (first, second) = self.KeepsDht ? ("getDHT", "getTree") : ("getTree", "getDHT");
        var wide = await NodesOrNullAsync(first, ct) ?? await NodesOrNullAsync(second, ct);
        var sessions = await NodesOrNullAsync("getSessions", ct);
        // Paths last: a path still being looked up carries a made-up key ending in ffff for a known address.
        var paths = await NodesOrNullAsync("getPaths", ct);
        foreach (var node in new[] { wide, sessions, paths }.SelectMany(l => l?.Items ?? []))
            known.Add(node.Address, node.Key);

        var haveTree = wide is not null && !self.KeepsDht;
        if (!haveTree)
            await WalkAsync(known, self.Key, ct);
        if (known.Count >= MaxNodes)
            _log.LogInformation("yggdrasil knows at least {Max} nodes; a scan tries the first {Max} only", MaxNodes, MaxNodes);
        return [.. known.Addresses.Take(MaxNodes)];
    }

    public Task<IReadOnlyList<ExitHint>> ExitHintsAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<ExitHint>>([]);

    /// <summary>Breadth-first: ask every known node for its peers, then the new ones, until nothing new or enough.</summary>
    private async Task WalkAsync(KnownNodes known, string myKey, CancellationToken ct)
    {
        var asked = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { myKey };
        var frontier = known.Keys.Where(k => asked.Add(k)).ToList();
        var unsupported = false;
        while (frontier.Count > 0 && known.Count < MaxNodes && !unsupported)
        {
            var answers = new List<(string Key, YggdrasilList<string>? Peers)>();
            await Parallel.ForEachAsync(frontier, new ParallelOptions { MaxDegreeOfParallelism = WalkParallelism, CancellationToken = ct }, async (key, token) =>
            {
                YggdrasilList<string>? peers = null;
                try
                {
                    peers = await RemotePeersAsync(key, token);
                }
                catch (YggdrasilAdminException e)
                {
                    unsupported |= e.UnknownRequest;
                    _log.LogDebug("yggdrasil could not ask {Key} for its peers: {Reason}", key, e.Message);
                }
                lock (answers)
                    answers.Add((key, peers));
            });
            var next = new List<string>();
            // In the order of the frontier, so that the same mesh gives the same list.
            foreach (var key in frontier)
            {
                var peers = answers.First(a => a.Key == key).Peers;
                foreach (var peerKey in peers?.Items ?? [])
                {
                    if (YggdrasilAddress.ForKey(peerKey) is { } address && known.Add(address, peerKey) && asked.Add(peerKey))
                        next.Add(peerKey);
                }
            }
            frontier = next;
        }
    }

    private async Task<YggdrasilList<YggdrasilNode>?> NodesOrNullAsync(string request, CancellationToken ct)
    {
        try
        {
            return await NodesAsync(request, ct);
        }
        catch (YggdrasilAdminException e) when (e.UnknownRequest)
        {
            // Another generation of yggdrasil: 0.5 has no getDHT, 0.4 no getTree.
            return null;
        }
    }

    private YggdrasilEndpoint Endpoint => _endpoint ?? throw new YggdrasilAdminException(_endpointError);

    private Task<string> AskAsync(string request, string? key, TimeSpan timeout, CancellationToken ct) =>
        YggdrasilAdminClient.RequestAsync(Endpoint, request, key, timeout, ct);

    private YggdrasilList<T> Checked<T>(string request, YggdrasilList<T> list)
    {
        if (list.Skipped > 0)
        {
            // Once at warning level: a newer yggdrasil would otherwise repeat it on every poll.
            var level = Interlocked.Exchange(ref _warnedAboutSkipped, 1) == 0 ? LogLevel.Warning : LogLevel.Debug;
            _log.Log(level, "yggdrasil's {Request} answer had {Skipped} entries Mnigs could not read, the first: {Entry}", request, list.Skipped, list.FirstSkipped);
        }
        return list;
    }

    /// <summary>Node addresses in the order first learnt, each with the first real key seen for it.</summary>
    private sealed class KnownNodes(IPAddress mine)
    {
        private readonly List<IPAddress> _order = [];
        private readonly Dictionary<IPAddress, string> _keys = [];

        public int Count => _order.Count;

        public IEnumerable<IPAddress> Addresses => _order;

        public IEnumerable<string> Keys => _order.Select(a => _keys[a]).Where(YggdrasilAddress.IsKey);

        /// <summary>False when the address is mine or already known.</summary>
        public bool Add(IPAddress address, string key)
        {
            if (address.Equals(mine) || !_keys.TryAdd(address, key))
                return false;
            _order.Add(address);
            return true;
        }
    }
}
