using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Config;
using Mnigs.Core.Protocol;
using Mnigs.Daemon;
using Mnigs.Discovery;
using Mnigs.Gateway;
using Mnigs.Networks;
using Mnigs.Platform;
using Mnigs.Store;
using Mnigs.Subscriber;
using Mnigs.Tunnels;

namespace Mnigs.Rpc;

/// <summary>
/// The local administration API used by mnigs-cli and the web UI; every method is refused with
/// "Permission denied" unless the caller is in daemon.authorizedNetworks.
/// </summary>
public sealed class AdminMethods(
    NodeIdentity identity, MnigsConfig config, string? configPath, NetworkMonitor networks,
    IReadOnlyDictionary<string, ITunnelAdapter> tunnels, Func<HostFacts> facts,
    GatewayService gateway, SubscriberService subscriber, Autopilot autopilot, Scanner scanner, DirectoryService directory, KnownGateways known,
    MnigsStore store, TimeProvider time, CancellationToken stopping, GatewayTester tester, SessionTraffic traffic)
{
    /// <summary>Longest history qualityHistory gives: a day, as long as the store keeps samples.</summary>
    public const int MaxHistoryMinutes = 1440;

    // configure and setPreferred read, edit and write the config file: one at a time, so neither loses the other's edit.
    private readonly AsyncLock _configFile = new();

    public IEnumerable<RpcMethod> Methods =>
    [
        new("status", [], Admin: true, (_, _) => ValueTask.FromResult(Status())),
        new("listGateways", [], Admin: true, async (_, ct) => await ListGatewaysAsync(ct)),
        new("startScan", ["wait"], Admin: true, async (call, ct) => await ScanAsync(call, ct)),
        new("lastScan", [], Admin: true, async (_, ct) => await LastScanAsync(ct)),
        new("connect", ["address", "port", "suite"], Admin: true, async (call, ct) => await ConnectAsync(call, ct)),
        new("disconnect", [], Admin: true, async (_, ct) => await autopilot.DisconnectAsync(ct)),
        new("listSessions", [], Admin: true, (_, _) => ValueTask.FromResult(ListSessions())),
        new("releaseSession", ["sid"], Admin: true, async (call, ct) => await ReleaseSessionAsync(call, ct)),
        new("configure", ["set"], Admin: true, async (call, ct) => await ConfigureAsync(call, ct)),
        new("testGateways", ["gateway", "throughput"], Admin: true, async (call, ct) =>
            await tester.TestAsync(call.Params.String("gateway", 128), call.Params.Bool("throughput") ?? true, ct)),
        new("settings", [], Admin: true, async (_, ct) => await SettingsAsync(ct)),
        new("setPreferred", ["gateway"], Admin: true, async (call, ct) => await SetPreferredAsync(call, ct)),
        new("qualityHistory", ["gateway", "minutes"], Admin: true, async (call, ct) => await QualityHistoryAsync(call, ct)),
    ];

    private JsonObject Status()
    {
        var now = time.GetUtcNow();
        var nets = new JsonArray();
        foreach (var snap in networks.Snapshots.Values)
            nets.Add((JsonNode)new JsonObject
            {
                ["name"] = snap.Name,
                ["available"] = snap.Health.Available,
                ["message"] = snap.Health.Message,
                ["addresses"] = new JsonArray([.. snap.Addresses.Select(a => (JsonNode)a.ToString())]),
            });
        var tuns = new JsonArray();
        foreach (var t in tunnels.Values)
        {
            var health = t.Check(facts());
            tuns.Add((JsonNode)new JsonObject { ["name"] = t.Name, ["available"] = health.Available, ["message"] = health.Message });
        }
        return RpcResult.Ok(new JsonObject
        {
            ["name"] = identity.Name,
            ["id"] = identity.NodeId,
            ["version"] = identity.Version,
            ["rpcPort"] = config.RpcPort,
            ["networks"] = nets,
            ["tunnels"] = tuns,
            ["gateway"] = new JsonObject
            {
                ["enabled"] = config.GatewayEnabled,
                ["serving"] = gateway.Serving,
                ["reason"] = gateway.NotServingReason,
                ["uplink"] = gateway.Uplink,
                ["sessions"] = gateway.SessionCount,
                ["maxConnections"] = gateway.MaxConnections,
                ["suites"] = new JsonArray([.. gateway.Suites().Select(s => (JsonNode)s.Id)]),
            },
            ["subscriber"] = new JsonObject
            {
                ["connected"] = subscriber.Current is not null,
                ["online"] = autopilot.Online,
                ["connection"] = subscriber.Current?.Describe(now),
                ["connections"] = new JsonArray([.. subscriber.Connections.Select(c => (JsonNode)c.Describe(now))]),
                ["autopilot"] = autopilot.Describe(),
                ["lastError"] = subscriber.LastError,
                ["suites"] = new JsonArray([.. subscriber.SupportedSuites().Select(s => (JsonNode)s.Id)]),
            },
            ["directory"] = new JsonObject
            {
                ["enabled"] = config.DirectoryEnabled,
                ["gateways"] = directory.Live().Count(r => r.Record.NodeId != identity.NodeId),
                ["refused"] = new JsonObject([.. directory.Rejections.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key.ToString(), kv.Value))]),
            },
            ["scan"] = scanner.Progress is { } p
                ? new JsonObject { ["scanId"] = p.ScanId, ["known"] = p.Known, ["probed"] = p.Probed, ["gateways"] = p.Gateways, ["depth"] = p.Depth }
                : null,
            ["problems"] = new JsonArray([.. StatusProblems.Find(config, networks, tunnels, facts(), gateway, subscriber, autopilot).Select(m => (JsonNode)m)]),
        });
    }

    private async Task<JsonObject> ListGatewaysAsync(CancellationToken ct)
    {
        var entries = await known.ListAsync(ct);
        return RpcResult.Ok(new JsonObject { ["gateways"] = new JsonArray([.. entries.Select(e => (JsonNode)GatewayList.Describe(e))]) });
    }

    /// <summary>Starts a scan, restarting one that runs; with wait=false answers at once (progress is in status).</summary>
    private async Task<JsonObject> ScanAsync(RpcCall call, CancellationToken ct)
    {
        var wait = call.Params.Bool("wait") ?? true;
        var task = scanner.Start(stopping);
        if (!wait)
            return RpcResult.Ok(new JsonObject { ["started"] = true });
        ScanSummary summary;
        try
        {
            summary = await task.WaitAsync(ct);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return RpcResult.Fail("The scan was restarted by another request", temporary: true);
        }
        return RpcResult.Ok(Describe(summary));
    }

    /// <summary>The graph of the last complete scan: hosts with their kind (self/node/gateway) and links.</summary>
    private async Task<JsonObject> LastScanAsync(CancellationToken ct)
    {
        if (scanner.Last is { } last)
            return RpcResult.Ok(Describe(last));
        if (await store.LastScanAsync(ct) is not { } stored)
            return RpcResult.Fail("No scan has completed yet");
        return RpcResult.Ok(Describe(new ScanSummary(stored.Id, stored.StartedAt, stored.FinishedAt, stored.HostsProbed,
            stored.Hosts, stored.Links, [])));
    }

    private static JsonObject Describe(ScanSummary summary)
    {
        var hosts = new JsonArray();
        foreach (var h in summary.Hosts)
            hosts.Add((JsonNode)new JsonObject
            {
                ["address"] = h.Address.ToString(),
                ["id"] = h.NodeId,
                ["name"] = h.Name,
                ["kind"] = h.Kind.ToString().ToLowerInvariant(),
                ["answered"] = h.RpcOk,
            });
        var links = new JsonArray();
        foreach (var l in summary.Links)
            links.Add((JsonNode)new JsonObject { ["a"] = l.A.ToString(), ["b"] = l.B.ToString(), ["network"] = l.Network });
        return new JsonObject
        {
            ["scanId"] = summary.ScanId,
            ["startedAt"] = summary.Started.ToUnixTimeMilliseconds(),
            ["finishedAt"] = summary.Finished.ToUnixTimeMilliseconds(),
            ["probed"] = summary.Probed,
            ["nodes"] = summary.Daemons,
            ["hosts"] = hosts,
            ["links"] = links,
            ["gateways"] = new JsonArray([.. summary.Gateways.Select(g => (JsonNode)Describe(g))]),
        };
    }

    private async Task<JsonObject> ConnectAsync(RpcCall call, CancellationToken ct)
    {
        // No address: let the autopilot pick the best gateway (and keep the node online from then on).
        var text = call.Params.String("address", 64);
        IPAddress? address = null;
        if (text is not null && !IPAddress.TryParse(text, out address))
            return RpcResult.Fail($"'{text}' is not an IP address");
        var port = call.Params.Int("port", 1, 65535) ?? config.RpcPort;
        var suite = call.Params.String("suite", 64);
        return await autopilot.ConnectAsync(address, port, suite, ct);
    }

    private JsonObject ListSessions()
    {
        var list = new JsonArray();
        foreach (var s in gateway.Sessions)
        {
            var counted = traffic.Of(s.Sid);
            list.Add((JsonNode)new JsonObject
            {
                ["sid"] = s.Sid,
                ["meshAddress"] = s.MeshAddress.ToString(),
                ["name"] = s.Name,
                ["suite"] = s.Suite.Id,
                ["ipv4"] = s.Ipv4?.ToString(),
                ["ipv6"] = s.Ipv6?.ToString(),
                ["payment"] = s.PaymentState,
                ["createdAt"] = s.CreatedAt.ToUnixTimeSeconds(),
                ["expiresAt"] = s.ExpiresAt.ToUnixTimeSeconds(),
                ["rxBytes"] = counted.BytesIn,
                ["txBytes"] = counted.BytesOut,
            });
        }
        return RpcResult.Ok(new JsonObject { ["sessions"] = list });
    }

    private async Task<JsonObject> ReleaseSessionAsync(RpcCall call, CancellationToken ct)
    {
        var sid = call.Params.String("sid", 128, required: true)!;
        return await gateway.EvictAsync(sid, ct) ? RpcResult.Ok() : RpcResult.Fail(Core.Gateway.SessionBook.NoSuchSession);
    }

    private async Task<JsonObject> ConfigureAsync(RpcCall call, CancellationToken ct)
    {
        var assignments = call.Params.StringList("set") ?? throw new RpcParamException("'set' is required");
        if (configPath is null)
            return RpcResult.Fail("The daemon runs without a config file (-f); nothing to save to");
        using var held = await _configFile.EnterAsync(ct);
        var before = await ReadConfigTextAsync(ct);
        var text = before;
        foreach (var assignment in assignments)
        {
            var edit = ConfigEditor.Apply(text, assignment);
            if (!edit.Ok)
                return RpcResult.Fail(edit.Error!);
            text = edit.Text;
        }
        await File.WriteAllTextAsync(configPath, text, ct);

        // What the edits changed: the keys the daemon applies at once are applied, the others wait for a restart.
        var (old, now) = (IniDocument.Parse(before), IniDocument.Parse(text));
        var changed = ConfigSchema.Keys.Where(k => old.Get(k.Section, k.Key) != now.Get(k.Section, k.Key)).ToList();
        if (changed.FirstOrDefault(k => k.Name == SettingsView.PreferredGateway) is { } preferred)
            autopilot.SetPreferred(SettingsView.PreferredGateways(now.Get(preferred.Section, preferred.Key) ?? ""));
        return RpcResult.Ok(new JsonObject { ["saved"] = configPath, ["restartNeeded"] = changed.Any(k => !SettingsView.AppliesAtOnce(k)) });
    }

    private async Task<string> ReadConfigTextAsync(CancellationToken ct) =>
        configPath is not null && File.Exists(configPath) ? await File.ReadAllTextAsync(configPath, ct) : "";

    private async Task<JsonObject> SettingsAsync(CancellationToken ct)
    {
        var text = await ReadConfigTextAsync(ct);
        return RpcResult.Ok(SettingsView.Describe(configPath, text, config with { Name = identity.Name }, autopilot.PreferredGateways));
    }

    /// <summary>Saves subscriber.preferredGateway (when the daemon has a config file) and applies it at once.</summary>
    private async Task<JsonObject> SetPreferredAsync(RpcCall call, CancellationToken ct)
    {
        var value = (call.Params.String("gateway", 512) ?? "").Trim();
        var key = SettingsView.Keys.Single(k => k.Name == SettingsView.PreferredGateway);
        if (key.Validate(value) is { } problem)
            return RpcResult.Fail(problem);
        using var held = await _configFile.EnterAsync(ct);
        if (configPath is not null)
        {
            var edit = ConfigEditor.Apply(await ReadConfigTextAsync(ct), $"{key.Name}={value}");
            if (!edit.Ok)
                return RpcResult.Fail(edit.Error!);
            await File.WriteAllTextAsync(configPath, edit.Text, ct);
        }
        autopilot.SetPreferred(SettingsView.PreferredGateways(value));
        return RpcResult.Ok(new JsonObject
        {
            ["preferred"] = new JsonArray([.. autopilot.PreferredGateways.Select(p => (JsonNode)p)]),
            ["saved"] = configPath,
        });
    }

    /// <summary>Stored quality samples of the last minutes (default 10), of one gateway or all, oldest first.</summary>
    private async Task<JsonObject> QualityHistoryAsync(RpcCall call, CancellationToken ct)
    {
        var id = call.Params.String("gateway", QualitySample.MaxGatewayLength) is { Length: > 0 } named ? named : null;
        var since = time.GetUtcNow() - TimeSpan.FromMinutes(call.Params.Int("minutes", 1, MaxHistoryMinutes) ?? 10);
        IReadOnlyDictionary<string, IReadOnlyList<QualitySample>> found = id is null
            ? await store.RecentQualityAsync(since, ct)
            : new Dictionary<string, IReadOnlyList<QualitySample>> { [id] = await store.QualityHistoryAsync(id, null, since, ct) };
        var samples = new JsonObject();
        foreach (var (gatewayId, list) in found)
            samples[gatewayId] = new JsonArray([.. list.Select(q => (JsonNode)new JsonObject
            {
                ["at"] = q.At.ToUnixTimeMilliseconds(),
                ["path"] = q.Path,
                ["rttMs"] = q.RttMs is { } rtt ? Math.Round(rtt, 2) : null,
                ["loss"] = Math.Round(q.Loss, 4),
                ["probes"] = q.Probes,
            })]);
        return RpcResult.Ok(new JsonObject { ["samples"] = samples });
    }

    private static JsonObject Describe(GatewayRecord g) => new()
    {
        ["id"] = g.NodeId,
        ["name"] = g.Name,
        ["address"] = g.Address.ToString(),
        ["port"] = g.Port,
        ["suites"] = new JsonArray([.. g.Suites.Select(s => (JsonNode)s.Id)]),
        ["source"] = g.Source.ToString().ToLowerInvariant(),
        ["learnedAt"] = g.LearnedAt.ToUnixTimeSeconds(),
        ["lastSeen"] = g.LastSeen.ToUnixTimeSeconds(),
    };
}
