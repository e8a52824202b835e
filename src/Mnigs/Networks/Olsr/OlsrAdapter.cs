using System.Net;

namespace Mnigs.Networks.Olsr;

/// <summary>
/// Network <c>olsr</c>: reads olsrd's state (OLSRv1, olsr.org olsrd 0.6.x and 0.9.x) through its jsoninfo plugin,
/// HTTP GET of <c>/config</c>, <c>/version</c>, <c>/interfaces</c>, <c>/links</c>, <c>/neighbors</c>,
/// <c>/topology</c>, <c>/routes</c>, <c>/hna</c> and <c>/gateways</c> (formats in olsrd's lib/jsoninfo and lib/info;
/// read by <see cref="OlsrAnswer"/>). Never changes olsrd's configuration. The topology gives every node's
/// neighbours, so a scan can walk the whole mesh; HNA announcements of 0.0.0.0/0 or ::/0 and olsrd's smart-gateway
/// list are exit hints. The query methods throw <see cref="OlsrJsonInfoException"/> (an <see cref="IOException"/>)
/// when olsrd cannot answer; <see cref="CheckAsync"/> returns the same message as a value.
/// </summary>
public sealed class OlsrAdapter : INetworkAdapter, IDisposable
{
    /// <summary>
    /// Most hosts a scan is given. Any node can put made-up nodes into the topology it announces; the nearest
    /// come first, and a real mesh of this size is very large.
    /// </summary>
    public const int MaxHosts = 2048;

    /// <summary>Answers are reused for a second (olsrd itself caches them for one), so a burst of questions costs olsrd one each.</summary>
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly ILogger<OlsrAdapter> _log;
    private readonly OlsrJsonInfoClient? _client;
    private readonly string _urlError;
    private readonly Lock _cacheGate = new();
    private readonly Dictionary<string, (long At, string Body)> _cache = [];
    private int _warnedAboutSkipped;
    private int _warnedAboutMany;

    public OlsrAdapter(OlsrOptions options, ILogger<OlsrAdapter> log)
    {
        _log = log;
        _client = OlsrOptions.TryParseUrl(options.JsonInfo, out var url, out _urlError)
            ? new OlsrJsonInfoClient(url, options.EffectiveTimeout)
            : null;
    }

    public string Name => "olsr";

    public async Task<AdapterHealth> CheckAsync(CancellationToken ct)
    {
        try
        {
            // Asked afresh: whether olsrd answers now, not a second ago.
            var config = await ConfigAsync(ct, fresh: true);
            var version = config.Version is { } v ? " " + v : "";
            var main = config.MainAddress is { } m ? $", main address {m}" : ", no main address yet (no OLSR interface is up)";
            return AdapterHealth.Ok($"olsrd{version} at {Client.Where}{main}");
        }
        catch (OlsrJsonInfoException e)
        {
            _log.LogDebug("olsrd check failed: {Reason}", e.Message);
            return AdapterHealth.Unavailable(e.Message);
        }
    }

    /// <summary>Main address, family and version: /config, and /version when /config does not name it (0.9).</summary>
    public Task<OlsrConfig> ConfigAsync(CancellationToken ct) => ConfigAsync(ct, fresh: false);

    private async Task<OlsrConfig> ConfigAsync(CancellationToken ct, bool fresh)
    {
        var config = OlsrAnswer.Config(await AskAsync("config", ct, fresh), Client.Where);
        if (config.Version is not null)
            return config;
        var version = OlsrAnswer.Config(await AskAsync("version", ct, fresh), Client.Where);
        return config with { Version = version.Version };
    }

    public Task<OlsrList<OlsrInterface>> InterfacesAsync(CancellationToken ct) => TableAsync("interfaces", OlsrAnswer.Interfaces, ct);

    public Task<OlsrList<OlsrLink>> LinksAsync(CancellationToken ct) => TableAsync("links", OlsrAnswer.Links, ct);

    public Task<OlsrList<OlsrNeighbour>> NeighbourTableAsync(CancellationToken ct) => TableAsync("neighbors", OlsrAnswer.Neighbours, ct);

    public Task<OlsrList<OlsrTopologyEdge>> TopologyAsync(CancellationToken ct) => TableAsync("topology", OlsrAnswer.Topology, ct);

    public Task<OlsrList<OlsrRoute>> RoutesAsync(CancellationToken ct) => TableAsync("routes", OlsrAnswer.Routes, ct);

    public Task<OlsrList<OlsrHna>> HnaAsync(CancellationToken ct) => TableAsync("hna", OlsrAnswer.Hna, ct);

    public Task<OlsrList<OlsrGateway>> GatewaysAsync(CancellationToken ct) => TableAsync("gateways", OlsrAnswer.Gateways, ct);

    /// <summary>olsrd's main address first, then the OLSR addresses of its interfaces that are up.</summary>
    public async Task<IReadOnlyList<IPAddress>> MyAddressesAsync(CancellationToken ct)
    {
        var config = await ConfigAsync(ct);
        var interfaces = await InterfacesAsync(ct);
        var addresses = new List<IPAddress>();
        if (config.MainAddress is { } main)
            addresses.Add(main);
        addresses.AddRange(interfaces.Items
            .Where(i => i.Up)
            .SelectMany(i => i.Addresses)
            .Where(a => config.Family is not { } family || a.AddressFamily == family));
        return [.. addresses.Distinct()];
    }

    /// <summary>Usable links, by the neighbour's interface address, with olsrd's link cost (1024 per unit of ETX).</summary>
    public async Task<IReadOnlyList<Neighbour>> NeighboursAsync(CancellationToken ct) =>
        [.. (await LinksAsync(ct)).Items
            .Where(l => l.Usable)
            .Select(l => new Neighbour(l.Remote, l.Interface, l.Cost is { } c ? OlsrCost.ToMetric(c) : null))];

    /// <summary>The main addresses of the symmetric one-hop neighbours.</summary>
    public async Task<IReadOnlyList<IPAddress>> NeighbourHostsAsync(CancellationToken ct) =>
        [.. (await NeighbourTableAsync(ct)).Items.Where(n => n.Symmetric).Select(n => n.Address).Distinct()];

    /// <summary>
    /// The nodes the topology links to <paramref name="node"/> (a main address): those it announces, then those
    /// that announce it (with the default TcRedundancy a node announces only some of its neighbours).
    /// </summary>
    public async Task<IReadOnlyList<IPAddress>?> NeighboursOfAsync(IPAddress node, CancellationToken ct)
    {
        var edges = (await TopologyAsync(ct)).Items.Where(e => e.Usable).ToList();
        return [.. edges.Where(e => e.LastHop.Equals(node)).Select(e => e.Destination)
            .Concat(edges.Where(e => e.Destination.Equals(node)).Select(e => e.LastHop))
            .Where(a => !a.Equals(node))
            .Distinct()];
    }

    /// <summary>
    /// Host routes (/32, /128), cheapest first, then every other node of the topology; never this node's own
    /// addresses; at most <see cref="MaxHosts"/>.
    /// </summary>
    public async Task<IReadOnlyList<IPAddress>> ReachableHostsAsync(CancellationToken ct)
    {
        var own = (await MyAddressesAsync(ct)).ToHashSet();
        var routed = (await RoutesAsync(ct)).Items
            .Where(r => r.Usable && r.IsHostRoute)
            .OrderBy(r => r.Cost ?? double.MaxValue)
            .ThenBy(r => r.Hops ?? int.MaxValue)
            .Select(r => r.Destination.BaseAddress);
        var mapped = (await TopologyAsync(ct)).Items
            .Where(e => e.Usable)
            .SelectMany(e => new[] { e.LastHop, e.Destination });
        var hosts = routed.Concat(mapped).Where(a => !own.Contains(a)).Distinct().ToList();
        if (hosts.Count > MaxHosts)
        {
            var level = Interlocked.Exchange(ref _warnedAboutMany, 1) == 0 ? LogLevel.Information : LogLevel.Debug;
            _log.Log(level, "olsrd knows {Count} hosts; a scan tries the nearest {Max} only", hosts.Count, MaxHosts);
        }
        return [.. hosts.Take(MaxHosts)];
    }

    /// <summary>
    /// Internet announcements of other nodes: HNA 0.0.0.0/0 and ::/0 (and olsrd's other Internet prefixes, see
    /// <see cref="OlsrHna.IsInternet"/>), and the smart gateways. Each names its originator, the next hop and
    /// interface of the route to it, and that route's cost; an originator olsrd has no route to is left out.
    /// </summary>
    public async Task<IReadOnlyList<ExitHint>> ExitHintsAsync(CancellationToken ct)
    {
        var own = (await MyAddressesAsync(ct)).ToHashSet();
        var routes = (await RoutesAsync(ct)).Items.Where(r => r.Usable && r.IsHostRoute).ToList();
        var announced = (await HnaAsync(ct)).Items
            .Where(h => h.IsInternet)
            .Select(h => (Prefix: h.Prefix.ToString(), Origin: h.Gateway));
        var gateways = (await GatewaysAsync(ct)).Items.SelectMany(g => new[]
        {
            (Prefix: g.Ipv4 ? "0.0.0.0/0" : null, Origin: g.Originator),
            (Prefix: g.Ipv6 ? "::/0" : null, Origin: g.Originator),
        }).Where(p => p.Prefix is not null).Select(p => (Prefix: p.Prefix!, p.Origin));

        var hints = new List<ExitHint>();
        foreach (var (prefix, origin) in announced.Concat(gateways).Distinct())
        {
            if (own.Contains(origin) || routes.FirstOrDefault(r => r.Destination.BaseAddress.Equals(origin)) is not { } route)
                continue;
            hints.Add(new ExitHint(prefix, route.Via ?? origin, origin, route.Interface, route.Cost is { } c ? OlsrCost.ToMetric(c) : null));
        }
        return hints;
    }

    public void Dispose() => _client?.Dispose();

    private OlsrJsonInfoClient Client => _client ?? throw new OlsrJsonInfoException(_urlError);

    private async Task<string> AskAsync(string request, CancellationToken ct, bool fresh = false)
    {
        lock (_cacheGate)
        {
            if (!fresh && _cache.TryGetValue(request, out var cached) && System.Diagnostics.Stopwatch.GetElapsedTime(cached.At) < CacheFor)
                return cached.Body;
        }
        var body = await Client.GetAsync(request, ct);
        lock (_cacheGate)
            _cache[request] = (System.Diagnostics.Stopwatch.GetTimestamp(), body);
        return body;
    }

    /// <summary>One jsoninfo table: asked for (or taken from the one-second cache), parsed, and its skipped entries logged.</summary>
    private async Task<OlsrList<T>> TableAsync<T>(string request, Func<string, string?, OlsrList<T>> parse, CancellationToken ct) =>
        Checked(request, parse(await AskAsync(request, ct), Client.Where));

    private OlsrList<T> Checked<T>(string request, OlsrList<T> list)
    {
        if (list.Skipped > 0)
        {
            // Once at warning level: another olsrd version would otherwise repeat it on every poll.
            var level = Interlocked.Exchange(ref _warnedAboutSkipped, 1) == 0 ? LogLevel.Warning : LogLevel.Debug;
            _log.Log(level, "olsrd's /{Request} answer had {Skipped} entries Mnigs could not read, the first: {Entry}", request, list.Skipped, list.FirstSkipped);
        }
        return list;
    }
}
