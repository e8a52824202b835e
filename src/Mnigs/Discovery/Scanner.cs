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
/// The simple scan: ask every host the routing protocols can reach for nodeInfo on each scan port, and
/// record the nodes and gateways found. (The breadth-first scanner and the directory come later.)
/// </summary>
public sealed class Scanner(MnigsConfig config, NetworkMonitor networks, RpcClient rpc, MnigsStore store, ILogger<Scanner> log)
{
    private const int Parallelism = 16;
    private readonly SemaphoreSlim _running = new(1, 1);

    public ScanProgress? Progress { get; private set; }

    public async Task<ScanSummary> ScanAsync(CancellationToken ct)
    {
        if (!await _running.WaitAsync(0, ct))
            throw new InvalidOperationException("A scan is already running");
        try
        {
            var started = DateTimeOffset.UtcNow;
            var targets = new List<(IPAddress Host, string Network)>();
            foreach (var adapter in networks.Adapters)
            {
                if (networks.Snapshots.TryGetValue(adapter.Name, out var snap) && !snap.Health.Available)
                    continue;
                try
                {
                    foreach (var host in await adapter.ReachableHostsAsync(ct))
                        targets.Add((host, adapter.Name));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogWarning("Scan: {Network} gave no hosts: {Error}", adapter.Name, e.Message);
                }
            }
            var probes = targets.DistinctBy(t => t.Host).SelectMany(t => config.ScanPorts.Select(port => (t.Host, t.Network, Port: port))).ToList();
            var scanId = await store.StartScanAsync(ct);
            Progress = new ScanProgress(probes.Count, 0);
            log.LogInformation("Scan {Scan} started: {Count} hosts × ports to probe", scanId, probes.Count);

            var found = new List<ScanHost>();
            var gateways = new List<GatewayRecord>();
            var done = 0;
            await Parallel.ForEachAsync(probes, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (probe, token) =>
            {
                var info = await ProbeAsync(probe.Host, probe.Port, token);
                lock (found)
                {
                    done++;
                    Progress = new ScanProgress(probes.Count, done);
                    if (info is null)
                        return;
                    var isGateway = info["gateway"] is JsonValue g && g.TryGetValue<bool>(out var b) && b;
                    var id = Str(info, "id") ?? "";
                    var name = Str(info, "name") ?? "";
                    found.Add(new ScanHost(probe.Host, id, name, isGateway ? ScanHostKind.Gateway : ScanHostKind.Node, true));
                    if (isGateway)
                        gateways.Add(new GatewayRecord
                        {
                            NodeId = id,
                            Name = name,
                            Address = probe.Host,
                            Port = probe.Port,
                            Suites = Suites(info),
                            Source = GatewaySource.Scan,
                            LearnedAt = DateTimeOffset.UtcNow,
                            LastSeen = DateTimeOffset.UtcNow,
                        });
                }
            });

            // A node answers on each of its addresses (IPv4 and IPv6 over babel): one entry per node, IPv4 first.
            gateways = [.. gateways
                .OrderBy(g => g.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 0 : 1)
                .ThenBy(g => g.Address.ToString(), StringComparer.Ordinal)
                .DistinctBy(g => string.IsNullOrEmpty(g.NodeId) ? g.Address.ToString() : g.NodeId)];
            foreach (var g in gateways)
                await store.UpsertGatewayAsync(g, ct);
            await store.FinishScanAsync(scanId, found, [], ct);
            log.LogInformation("Scan {Scan} finished: {Nodes} nodes, {Gateways} gateways", scanId, found.Count, gateways.Count);
            return new ScanSummary(scanId, started, probes.Count, found, gateways);
        }
        finally
        {
            Progress = null;
            _running.Release();
        }
    }

    private async Task<JsonObject?> ProbeAsync(IPAddress host, int port, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            var info = await rpc.CallAsync(RpcClient.EndpointOf(host, port), "nodeInfo", null, timeout.Token);
            return RpcResult.IsSuccess(info) ? info : null;
        }
        catch (Exception e) when (e is RpcClientException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

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

public sealed record ScanProgress(int Total, int Done);

public sealed record ScanSummary(long ScanId, DateTimeOffset Started, int Probed, IReadOnlyList<ScanHost> Hosts, IReadOnlyList<GatewayRecord> Gateways);
