using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Config;
using Mnigs.Core.Protocol;
using Mnigs.Core.Suites;
using Mnigs.Networks;
using Mnigs.Rpc;
using Mnigs.Store;

namespace Mnigs.Discovery;

/// <summary>
/// Breadth-first search for Mnigs daemons over every available network: this node's neighbours first,
/// then each answering daemon's own mesh neighbours (its <c>meshNeighbours</c> method, and the routing
/// protocol where it can tell), level by level; finally whatever else the routing tables reach. Every
/// host is probed with nodeInfo on each scan port, with bounded concurrency and short timeouts, and
/// no per-host pause, so a mesh of a hundred nodes takes seconds. Starting a scan while one runs
/// restarts it.
/// </summary>
public sealed class Scanner(MnigsConfig config, NetworkMonitor networks, RpcClient rpc, MnigsStore store, TimeProvider time, ILogger<Scanner> log)
{
    private readonly Lock _gate = new();
    private CancellationTokenSource? _running;
    private Task<ScanSummary>? _task;
    private ScanProgress? _progress;

    public ScanProgress? Progress => _progress;

    public ScanSummary? Last { get; private set; }

    /// <summary>Starts a scan (restarting one that runs) and returns the task that completes with its summary.</summary>
    public Task<ScanSummary> Start(CancellationToken stop)
    {
        lock (_gate)
        {
            _running?.Cancel();
            var previous = _task;
            var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
            _running = cts;
            // Progress shows from this moment, so a caller polling status never mistakes the previous scan for this one.
            _progress = new ScanProgress(0, 0, 0, 0, 0);
            _task = Task.Run(async () =>
            {
                try
                {
                    if (previous is not null)
                        await previous.ContinueWith(_ => { }, TaskScheduler.Default);
                    return await RunAsync(cts.Token);
                }
                finally
                {
                    lock (_gate)
                    {
                        if (_running == cts)
                            _progress = null;
                    }
                }
            }, CancellationToken.None);
            return _task;
        }
    }

    public Task<ScanSummary> ScanAsync(CancellationToken ct) => Start(ct);

    private async Task<ScanSummary> RunAsync(CancellationToken ct)
    {
        var started = time.GetUtcNow();
        var scanId = await store.StartScanAsync(ct);
        var hosts = new ConcurrentDictionary<IPAddress, ScanHost>();
        var links = new ConcurrentDictionary<(IPAddress, IPAddress, string), byte>();
        var seen = new ConcurrentDictionary<IPAddress, byte>();
        var gateways = new ConcurrentBag<GatewayRecord>();
        var probed = 0;

        var available = networks.Adapters
            .Where(a => !networks.Snapshots.TryGetValue(a.Name, out var s) || s.Health.Available)
            .ToList();

        // Level 0: this node, on every network it has an address on.
        var self = new List<IPAddress>();
        foreach (var snap in networks.Snapshots.Values.Where(s => s.Health.Available))
            self.AddRange(snap.Addresses);
        foreach (var address in self.Distinct())
        {
            seen.TryAdd(address, 0);
            hosts[address] = new ScanHost(address, null, config.Name, ScanHostKind.Self, true);
        }

        var level = new List<(IPAddress Host, IPAddress? From, string Network)>();
        var everyReachable = new List<(IPAddress Host, string Network)>();
        foreach (var adapter in available)
        {
            var from = networks.Snapshots.TryGetValue(adapter.Name, out var snap) ? snap.Addresses.FirstOrDefault() : null;
            foreach (var neighbour in await Safe(() => adapter.NeighbourHostsAsync(ct), adapter.Name, "neighbours"))
                if (seen.TryAdd(neighbour, 0))
                    level.Add((neighbour, from, adapter.Name));
            foreach (var host in await Safe(() => adapter.ReachableHostsAsync(ct), adapter.Name, "reachable hosts"))
                everyReachable.Add((host, adapter.Name));
        }
        log.LogInformation("Scan {Scan} started: {Neighbours} neighbours, {Reachable} hosts in the routing tables", scanId, level.Count, everyReachable.Count);

        var depth = 0;
        while (true)
        {
            if (level.Count == 0)
            {
                // The breadth-first walk is done; hosts the routing tables reach but no daemon named come last.
                level = [.. everyReachable.Where(r => seen.TryAdd(r.Host, 0)).Select(r => ((IPAddress Host, IPAddress? From, string Network))(r.Host, null, r.Network))];
                if (level.Count == 0)
                    break;
            }
            depth++;
            var next = new ConcurrentBag<(IPAddress, IPAddress?, string)>();
            _progress = new ScanProgress(scanId, seen.Count - self.Count, probed, gateways.Count, depth);
            await Parallel.ForEachAsync(level, new ParallelOptions { MaxDegreeOfParallelism = config.ScanConcurrency, CancellationToken = ct }, async (item, token) =>
            {
                if (item.From is { } from)
                    links.TryAdd(Ordered(from, item.Host, item.Network), 0);
                var answer = await ProbeAsync(item.Host, token);
                Interlocked.Increment(ref probed);
                if (answer is not { } found)
                {
                    hosts.TryAdd(item.Host, new ScanHost(item.Host, null, "", ScanHostKind.Node, false));
                    _progress = new ScanProgress(scanId, seen.Count - self.Count, probed, gateways.Count, depth);
                    return;
                }
                var info = found.Info;
                var isGateway = info["gateway"] is JsonValue g && g.TryGetValue<bool>(out var b) && b;
                var id = Str(info, "id");
                var name = Str(info, "name") ?? "";
                hosts[item.Host] = new ScanHost(item.Host, id, name, isGateway ? ScanHostKind.Gateway : ScanHostKind.Node, true);
                if (isGateway)
                    gateways.Add(new GatewayRecord
                    {
                        NodeId = id,
                        Name = name,
                        Address = item.Host,
                        Port = found.Port,
                        Suites = Suites(info),
                        Source = GatewaySource.Scan,
                        LearnedAt = time.GetUtcNow(),
                        LastSeen = time.GetUtcNow(),
                    });

                foreach (var (network, neighbour) in await NeighboursOfAsync(item.Host, found.Port, available, token))
                {
                    links.TryAdd(Ordered(item.Host, neighbour, network), 0);
                    if (seen.TryAdd(neighbour, 0))
                        next.Add((neighbour, item.Host, network));
                }
                _progress = new ScanProgress(scanId, seen.Count - self.Count, probed, gateways.Count, depth);
            });
            level = [.. next];
        }

        // One entry per node in the summary, IPv4 first.
        var distinct = gateways
            .OrderBy(g => g.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 0 : 1)
            .ThenBy(g => g.Address.ToString(), StringComparer.Ordinal)
            .DistinctBy(g => string.IsNullOrEmpty(g.NodeId) ? g.Address.ToString() : g.NodeId)
            .ToList();
        // Every address a gateway answered on is kept (babel IPv4 and IPv6, Yggdrasil, ...): the list shows
        // the node once, with all of them.
        foreach (var g in gateways)
            await store.UpsertGatewayAsync(g, ct);
        var hostList = hosts.Values.OrderBy(h => h.Kind).ThenBy(h => h.Address.ToString(), StringComparer.Ordinal).ToList();
        var linkList = CanonicalLinks(hostList, links.Keys);
        await store.FinishScanAsync(scanId, hostList, linkList, ct);
        var summary = new ScanSummary(scanId, started, time.GetUtcNow(), probed, hostList, linkList, distinct);
        Last = summary;
        log.LogInformation("Scan {Scan} finished in {Ms} ms: probed {Probed}, {Nodes} daemons answered, {Gateways} gateways",
            scanId, (int)(summary.Finished - started).TotalMilliseconds, probed, summary.Daemons, distinct.Count);
        return summary;
    }

    /// <summary>
    /// One link per pair of nodes: a node answers on each of its addresses (IPv4 and IPv6), so every
    /// address is replaced by its node's first one (IPv4 before IPv6) before links are counted.
    /// </summary>
    private static List<ScanLink> CanonicalLinks(IReadOnlyList<ScanHost> hosts, IEnumerable<(IPAddress, IPAddress, string)> links)
    {
        var canonical = hosts
            .Where(h => h.NodeId is not null || h.Kind == ScanHostKind.Self)
            .GroupBy(h => h.Kind == ScanHostKind.Self ? "" : h.NodeId!)
            .SelectMany(g =>
            {
                var first = g.Select(h => h.Address)
                    .OrderBy(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 0 : 1)
                    .ThenBy(a => a.ToString(), StringComparer.Ordinal)
                    .First();
                return g.Select(h => (h.Address, First: first));
            })
            .ToDictionary(p => p.Address, p => p.First);
        IPAddress Of(IPAddress a) => canonical.GetValueOrDefault(a, a);
        return [.. links
            .Select(l => Ordered(Of(l.Item1), Of(l.Item2), l.Item3))
            .Where(l => !l.Item1.Equals(l.Item2))
            .Distinct()
            .Select(l => new ScanLink(l.Item1, l.Item2, l.Item3))];
    }

    private async Task<(JsonObject Info, int Port)?> ProbeAsync(IPAddress host, CancellationToken ct)
    {
        foreach (var port in config.ScanPorts)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(config.ScanTimeout);
            try
            {
                var info = await rpc.CallAsync(RpcClient.EndpointOf(host, port), "nodeInfo", null, timeout.Token);
                if (RpcResult.IsSuccess(info))
                    return (info, port);
            }
            catch (Exception e) when (e is RpcClientException or OperationCanceledException && !ct.IsCancellationRequested)
            {
            }
        }
        return null;
    }

    /// <summary>What the daemon says its neighbours are, plus what the routing protocol can tell.</summary>
    private async Task<List<(string Network, IPAddress Address)>> NeighboursOfAsync(IPAddress host, int port, List<INetworkAdapter> adapters, CancellationToken ct)
    {
        var result = new List<(string, IPAddress)>();
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(config.ScanTimeout);
            try
            {
                var answer = await rpc.CallAsync(RpcClient.EndpointOf(host, port), "meshNeighbours", null, timeout.Token);
                foreach (var net in answer["networks"] as JsonArray ?? [])
                {
                    if (net is not JsonObject o || Str(o, "name") is not { } network)
                        continue;
                    foreach (var n in (o["neighbours"] as JsonArray ?? []).Take(256))
                        if (n is JsonValue v && v.TryGetValue<string>(out var text) && IPAddress.TryParse(text, out var address) && !IsLinkLocal(address))
                            result.Add((network, address));
                }
            }
            catch (Exception e) when (e is RpcClientException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                // An older daemon without meshNeighbours: the routing protocol may still tell.
            }
        }
        foreach (var adapter in adapters)
        {
            var known = await SafeMaybe(() => adapter.NeighboursOfAsync(host, ct), adapter.Name, "neighbours of " + host);
            result.AddRange(known.Select(a => (adapter.Name, a)));
        }
        return result;
    }

    private Task<IReadOnlyList<IPAddress>> Safe(Func<Task<IReadOnlyList<IPAddress>>> call, string network, string what) =>
        SafeMaybe(async () => (IReadOnlyList<IPAddress>?)await call(), network, what);

    private async Task<IReadOnlyList<IPAddress>> SafeMaybe(Func<Task<IReadOnlyList<IPAddress>?>> call, string network, string what)
    {
        try
        {
            return await call() ?? [];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning("Scan: {Network} gave no {What}: {Error}", network, what, e.Message);
            return [];
        }
    }

    private static (IPAddress, IPAddress, string) Ordered(IPAddress a, IPAddress b, string network) =>
        string.CompareOrdinal(a.ToString(), b.ToString()) <= 0 ? (a, b, network) : (b, a, network);

    private static bool IsLinkLocal(IPAddress a) => a.IsIPv6LinkLocal || (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && a.GetAddressBytes() is [169, 254, ..]);

    private static IReadOnlyList<Suite> Suites(JsonObject info)
    {
        var list = new List<Suite>();
        foreach (var n in info["suites"] as JsonArray ?? [])
            if (n is JsonObject o && Suite.TryParse(Str(o, "id"), out var suite))
                list.Add(suite);
        return list;
    }

    private static string? Str(JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

/// <param name="Known">Hosts found so far (not counting this node).</param>
/// <param name="Probed">Hosts asked so far.</param>
public sealed record ScanProgress(long ScanId, int Known, int Probed, int Gateways, int Depth);

public sealed record ScanSummary(long ScanId, DateTimeOffset Started, DateTimeOffset Finished, int Probed,
    IReadOnlyList<ScanHost> Hosts, IReadOnlyList<ScanLink> Links, IReadOnlyList<GatewayRecord> Gateways)
{
    /// <summary>Other daemons that answered, counted once each however many addresses they answered on.</summary>
    public int Daemons => Hosts.Where(h => h.RpcOk && h.Kind != ScanHostKind.Self).Select(h => h.NodeId ?? h.Address.ToString()).Distinct().Count();
}
