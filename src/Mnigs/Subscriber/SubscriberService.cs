using System.Collections.Immutable;
using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Config;
using Mnigs.Core.Host;
using Mnigs.Core.Protocol;
using Mnigs.Core.Suites;
using Mnigs.Daemon;
using Mnigs.Networks;
using Mnigs.Payments;
using Mnigs.Platform;
using Mnigs.Rpc;
using Mnigs.Store;
using Mnigs.Tunnels;

namespace Mnigs.Subscriber;

/// <summary>
/// The subscriber half: connect (nodeInfo → suite → keys → requestConnection → tunnel up → route the
/// Internet through it), renew every lease/3, disconnect (release and remove everything added).
/// </summary>
public sealed class SubscriberService : IAsyncDisposable
{
    public const string HostPart = "subscriber";
    private const int WireGuardOverhead = 80;

    private readonly MnigsConfig _config;
    private readonly NodeIdentity _identity;
    private readonly NetworkMonitor _networks;
    private readonly IReadOnlyDictionary<string, ITunnelAdapter> _tunnels;
    private readonly IReadOnlyDictionary<string, IPaymentMethod> _payments;
    private readonly RpcClient _rpc;
    private readonly MnigsStore _store;
    private readonly HostStateCoordinator _host;
    private readonly IHostPlatform _platform;
    private readonly HookRunner _hooks;
    private readonly TimeProvider _time;
    private readonly ILogger<SubscriberService> _log;
    private readonly AsyncLock _lock = new();
    private HostFacts? _facts;
    private Connection? _connection;
    private CancellationTokenSource? _renewal;
    private string? _lastError;

    public SubscriberService(MnigsConfig config, NodeIdentity identity, NetworkMonitor networks,
        IReadOnlyDictionary<string, ITunnelAdapter> tunnels, IReadOnlyDictionary<string, IPaymentMethod> payments,
        RpcClient rpc, MnigsStore store, HostStateCoordinator host, IHostPlatform platform, HookRunner hooks,
        TimeProvider time, ILogger<SubscriberService> log)
    {
        _config = config;
        _identity = identity;
        _networks = networks;
        _tunnels = tunnels;
        _payments = payments;
        _rpc = rpc;
        _store = store;
        _host = host;
        _platform = platform;
        _hooks = hooks;
        _time = time;
        _log = log;
    }

    public Connection? Current => _connection;

    public string? LastError => _lastError;

    public string InterfaceName => Core.Host.InterfaceNames.For(_config.InterfacePrefix, _identity.Tag, 's', 0);

    /// <summary>Suites this node can use: every available network × tunnel that works here × payment.</summary>
    public IReadOnlyList<Suite> SupportedSuites() =>
        [.. from n in _networks.AvailableNetworks
            from t in _tunnels.Values
            where _facts is not null && t.Check(_facts).Available
            from p in _payments.Values
            select new Suite(n, t.Name, p.Name)];

    /// <summary>After a crash the kernel was already cleaned; the gateway is told the old session is gone.</summary>
    public async Task StartAsync(HostFacts facts, CancellationToken ct)
    {
        _facts = facts;
        foreach (var stale in await _store.ListConnectionsAsync(ct: ct))
        {
            if (stale.State is not (ConnectionState.Connecting or ConnectionState.Up))
                continue;
            _log.LogInformation("Releasing the connection to {Gateway} left by the previous run", stale.GatewayAddress);
            await TryReleaseSidAsync(RpcClient.EndpointOf(stale.GatewayAddress, stale.GatewayPort), stale.Sid, ct);
            await _store.UpdateConnectionStateAsync(stale.Id, ConnectionState.Released, ct);
        }
    }

    public async Task<JsonObject> ConnectAsync(IPAddress gateway, int port, string? suiteId, CancellationToken ct)
    {
        using (await _lock.EnterAsync(ct))
        {
            if (_connection is { } existing)
            {
                if (existing.GatewayAddress.Equals(gateway) && existing.GatewayPort == port && (suiteId is null || suiteId == existing.Suite.Id))
                    return RpcResult.Ok(new JsonObject { ["connection"] = existing.Describe(_time.GetUtcNow()), ["already"] = true });
                await DisconnectLockedAsync(ct);
            }
            var result = await ConnectLockedAsync(gateway, port, suiteId, ct);
            _lastError = RpcResult.IsSuccess(result) ? null : RpcResult.ErrorOf(result);
            return result;
        }
    }

    public async Task<JsonObject> DisconnectAsync(CancellationToken ct)
    {
        using (await _lock.EnterAsync(ct))
        {
            if (_connection is null)
                return RpcResult.Fail("Not connected");
            await DisconnectLockedAsync(ct);
            return RpcResult.Ok();
        }
    }

    private async Task<JsonObject> ConnectLockedAsync(IPAddress gateway, int port, string? suiteId, CancellationToken ct)
    {
        var endpoint = RpcClient.EndpointOf(gateway, port);
        JsonObject info;
        try
        {
            info = await _rpc.CallAsync(endpoint, "nodeInfo", null, ct);
        }
        catch (RpcClientException e)
        {
            return RpcResult.Fail($"Cannot reach {gateway}: {e.Message}", temporary: true);
        }
        if (info["gateway"] is not JsonValue g || !g.TryGetValue<bool>(out var isGateway) || !isGateway)
            return RpcResult.Fail($"{gateway} is not a gateway");

        var offered = ReadSuites(info);
        var usable = SupportedSuites();
        Suite suite;
        if (suiteId is not null)
        {
            if (!Suite.TryParse(suiteId, out suite))
                return RpcResult.Fail($"'{suiteId}' is not a suite id (network-tunnel-payment)");
            if (!offered.Contains(suite))
                return RpcResult.Fail($"{gateway} does not offer {suite}; it offers {string.Join(", ", offered)}");
            if (!usable.Contains(suite))
                return RpcResult.Fail($"This node cannot use {suite}; it can use {string.Join(", ", usable)}");
        }
        else
        {
            var common = offered.Where(usable.Contains).ToList();
            if (common.Count == 0)
                return RpcResult.Fail($"No common suite: {gateway} offers {string.Join(", ", offered)}; this node can use {string.Join(", ", usable)}");
            // The tunnel runs over the network the gateway's address is on, when we can tell.
            var via = _networks.NetworksOf(gateway);
            suite = common.OrderBy(s => via.Contains(s.Network) ? 0 : 1).First();
        }

        var tunnel = _tunnels[suite.Tunnel];
        var keys = tunnel.CreateKeys();
        JsonObject reply;
        try
        {
            reply = await _rpc.CallAsync(endpoint, "requestConnection", new JsonObject
            {
                ["sid"] = _identity.NodeId,
                ["name"] = _identity.Name,
                ["port"] = _config.RpcPort,
                ["method"] = suite.Id,
                ["options"] = keys.Options,
            }, ct);
        }
        catch (RpcClientException e)
        {
            return RpcResult.Fail($"requestConnection to {gateway} failed: {e.Message}", temporary: true);
        }
        if (!RpcResult.IsSuccess(reply))
            return RpcResult.Fail($"{gateway} refused: {RpcResult.ErrorOf(reply)}", reply["temporaryError"] is not null);

        var connection = await BuildConnectionAsync(gateway, port, info, suite, keys.Secret, reply, ct);
        if (connection is null)
        {
            await TryReleaseSidAsync(endpoint, Str(reply, "sid"), ct);
            return RpcResult.Fail($"{gateway} sent a reply this node cannot use");
        }

        var plan = tunnel.PlanSubscriber(new SubscriberTunnelInput(connection.Interface, connection.Secret, connection.Tunnel,
            gateway, connection.Ipv4, connection.Ipv6, connection.Mtu));
        if (!plan.Ok)
        {
            await TryReleaseAsync(connection, ct);
            return RpcResult.Fail(plan.Error!);
        }

        try
        {
            connection = connection with { Id = await _store.SaveConnectionAsync(connection.ToRecord(ConnectionState.Up), ct) };
            await _host.SetAsync(HostPart, DesiredState(connection, plan.State), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await TryReleaseAsync(connection, ct);
            await _host.SetAsync(HostPart, HostState.Empty, CancellationToken.None);
            await _store.UpdateConnectionStateAsync(connection.Id, ConnectionState.Released, CancellationToken.None);
            return RpcResult.Fail($"Could not bring the tunnel up: {e.Message}");
        }

        _connection = connection;
        StartRenewal(connection);
        _log.LogInformation("Connected to {Gateway} ({Name}) with {Suite} on {Interface}: {Ipv4} {Ipv6} mtu {Mtu}",
            gateway, connection.GatewayName, suite, connection.Interface, connection.Ipv4, connection.Ipv6, connection.Mtu);
        _ = _hooks.RunAsync("onConnect", _config.OnConnect, HookValues(connection), CancellationToken.None);
        return RpcResult.Ok(new JsonObject { ["connection"] = connection.Describe(_time.GetUtcNow()) });
    }

    private async Task<Connection?> BuildConnectionAsync(IPAddress gateway, int port, JsonObject info, Suite suite, string secret, JsonObject reply, CancellationToken ct)
    {
        var sid = Str(reply, "sid");
        if (sid is null || sid.Length is < 16 or > 128 || reply["tunnel"] is not JsonObject tunnel)
            return null;
        InterfaceAddress? v4 = null, v6 = null;
        if (Addr(reply, "ipv4") is { } a4 && a4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            v4 = new InterfaceAddress(a4, Math.Clamp(Int(reply, "ipv4Prefix") ?? 32, 8, 32));
        if (Addr(reply, "ipv6") is { } a6 && a6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            v6 = new InterfaceAddress(a6, Math.Clamp(Int(reply, "ipv6Prefix") ?? 128, 16, 128));
        if (v4 is null && v6 is null)
            return null;

        var offeredMtu = Int(reply, "mtu") ?? 1420;
        var pathMtu = await _platform.PathMtuAsync(gateway, ct);
        var mtu = _config.WireGuardMtu > 0 ? _config.WireGuardMtu : offeredMtu;
        if (pathMtu is { } path)
            mtu = Math.Min(mtu, path - WireGuardOverhead);
        mtu = Math.Max(mtu, 1280);

        var dns = (reply["dns"] as JsonArray ?? [])
            .Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) && IPAddress.TryParse(s, out var ip) ? ip : null)
            .OfType<IPAddress>().Take(4).ToList();
        var now = _time.GetUtcNow();
        var expires = Time(reply, "timeoutTimestamp") ?? now.AddSeconds(300);
        var leaseSeconds = Int(reply, "leaseSeconds") ?? (int)Math.Max(30, (expires - now).TotalSeconds);
        return new Connection
        {
            GatewayAddress = gateway,
            GatewayPort = port,
            GatewayId = Str(info, "id") ?? "",
            GatewayName = Str(info, "name") ?? "",
            Suite = suite,
            Sid = sid,
            Interface = InterfaceName,
            Ipv4 = v4,
            Ipv6 = v6,
            TunnelGateway4 = Addr(reply, "ipv4Gateway"),
            TunnelGateway6 = Addr(reply, "ipv6Gateway"),
            Dns = dns,
            Mtu = mtu,
            Tunnel = tunnel,
            Secret = secret,
            CreatedAt = now,
            ExpiresAt = expires,
            Lease = TimeSpan.FromSeconds(Math.Clamp(leaseSeconds, 10, 86400)),
        };
    }

    /// <summary>The subscriber's slice of the host: the tunnel, and unless routing=none the default routes and policy.</summary>
    public HostState DesiredState(Connection connection, HostState tunnelState)
    {
        var state = tunnelState;
        if (_config.Routing == SubscriberRouting.Route)
        {
            var routes = ImmutableArray.CreateBuilder<RouteSpec>();
            if (connection.Ipv4 is not null)
                routes.Add(new RouteSpec(IPNetwork.Parse("0.0.0.0/0"), connection.Interface));
            if (connection.Ipv6 is not null)
                routes.Add(new RouteSpec(IPNetwork.Parse("::/0"), connection.Interface));
            state = state with
            {
                Routes = routes.ToImmutable(),
                Policy = new RoutingPolicy(_config.RoutingTable, _config.RulePriority, connection.Ipv4 is not null, connection.Ipv6 is not null),
            };
        }
        if (_config.SubscriberDns && connection.Dns.Count > 0)
            state = state with { Dns = new DnsSpec([.. connection.Dns], connection.Interface, _config.ResolvConf) };
        return state;
    }

    private void StartRenewal(Connection connection)
    {
        _renewal?.Cancel();
        var cts = new CancellationTokenSource();
        _renewal = cts;
        _ = Task.Run(() => RenewLoopAsync(connection.Sid, cts.Token));
    }

    private async Task RenewLoopAsync(string sid, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var connection = _connection;
            if (connection is null || connection.Sid != sid)
                return;
            var wait = connection.Lease / 3;
            var now = _time.GetUtcNow();
            try
            {
                await Task.Delay(wait, _time, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                var reply = await _rpc.CallAsync(RpcClient.EndpointOf(connection.GatewayAddress, connection.GatewayPort),
                    "renewConnection", new JsonObject { ["sid"] = sid }, ct);
                if (RpcResult.IsSuccess(reply))
                {
                    var expires = Time(reply, "timeoutTimestamp") ?? now + connection.Lease;
                    if (_connection?.Sid == sid)
                        _connection = _connection with { ExpiresAt = expires };
                    continue;
                }
                _log.LogWarning("Gateway {Gateway} refused to renew: {Error}", connection.GatewayAddress, RpcResult.ErrorOf(reply));
                var temporary = reply["temporaryError"] is JsonValue t && t.TryGetValue<bool>(out var isTemporary) && isTemporary;
                // A temporary refusal (the gateway lost its uplink) keeps the session until its lease runs out.
                if (temporary && _time.GetUtcNow() < connection.ExpiresAt)
                    continue;
                await DropAsync(sid, "the gateway ended the session: " + RpcResult.ErrorOf(reply), ct);
                return;
            }
            catch (RpcClientException e)
            {
                _log.LogWarning("Renewing with {Gateway} failed: {Error}", connection.GatewayAddress, e.Message);
                if (_time.GetUtcNow() >= connection.ExpiresAt)
                {
                    await DropAsync(sid, "the lease ran out while the gateway did not answer", ct);
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The session is gone at the gateway: remove the tunnel and routes here.</summary>
    private async Task DropAsync(string sid, string reason, CancellationToken ct)
    {
        using (await _lock.EnterAsync(ct))
        {
            if (_connection is not { } connection || connection.Sid != sid)
                return;
            _connection = null;
            _lastError = $"Disconnected from {connection.GatewayAddress}: {reason}";
            await _host.SetAsync(HostPart, HostState.Empty, ct);
            await _store.UpdateConnectionStateAsync(connection.Id, ConnectionState.Down, ct);
            _log.LogWarning("Connection to {Gateway} is down: {Reason}", connection.GatewayAddress, reason);
            _ = _hooks.RunAsync("onDisconnect", _config.OnDisconnect, HookValues(connection), CancellationToken.None);
        }
    }

    private async Task DisconnectLockedAsync(CancellationToken ct)
    {
        if (_connection is not { } connection)
            return;
        _renewal?.Cancel();
        _connection = null;
        await TryReleaseAsync(connection, ct);
        await _host.SetAsync(HostPart, HostState.Empty, ct);
        await _store.UpdateConnectionStateAsync(connection.Id, ConnectionState.Released, ct);
        _log.LogInformation("Disconnected from {Gateway}", connection.GatewayAddress);
        _ = _hooks.RunAsync("onDisconnect", _config.OnDisconnect, HookValues(connection), CancellationToken.None);
    }

    private Task TryReleaseAsync(Connection connection, CancellationToken ct) =>
        TryReleaseSidAsync(RpcClient.EndpointOf(connection.GatewayAddress, connection.GatewayPort), connection.Sid, ct);

    private async Task TryReleaseSidAsync(Uri endpoint, string? sid, CancellationToken ct)
    {
        if (sid is null)
            return;
        try
        {
            var reply = await _rpc.CallAsync(endpoint, "releaseConnection", new JsonObject { ["sid"] = sid }, ct);
            if (!RpcResult.IsSuccess(reply))
                _log.LogInformation("Gateway {Gateway} did not release: {Error}", endpoint.Authority, RpcResult.ErrorOf(reply));
        }
        catch (RpcClientException e)
        {
            // The lease will run out at the gateway; nothing else to do here.
            _log.LogWarning("Could not tell {Gateway} to release: {Error}", endpoint.Authority, e.Message);
        }
    }

    /// <summary>On shutdown: release the session and remove the tunnel.</summary>
    public async ValueTask DisposeAsync()
    {
        using (await _lock.EnterAsync())
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await DisconnectLockedAsync(timeout.Token);
            }
            catch (Exception e)
            {
                _log.LogWarning("Disconnect on shutdown failed: {Error}", e.Message);
            }
        }
    }

    private static List<Suite> ReadSuites(JsonObject info)
    {
        var list = new List<Suite>();
        foreach (var node in info["suites"] as JsonArray ?? [])
        {
            var id = node switch
            {
                JsonObject o => Str(o, "id"),
                JsonValue v when v.TryGetValue<string>(out var s) => s,
                _ => null,
            };
            if (Suite.TryParse(id, out var suite))
                list.Add(suite);
        }
        return list;
    }

    private static List<(string, string)> HookValues(Connection c) =>
    [
        ("gateway", c.GatewayAddress.ToString()),
        ("suite", c.Suite.Id),
        ("interface", c.Interface),
        ("ipv4", c.Ipv4?.Address.ToString() ?? ""),
        ("ipv6", c.Ipv6?.Address.ToString() ?? ""),
    ];

    private static string? Str(JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static long? Long(JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    /// <summary>A Unix time in seconds; null when absent or out of DateTimeOffset's range (a gateway's reply is not trusted).</summary>
    private static DateTimeOffset? Time(JsonObject o, string key) =>
        Long(o, key) is { } n && n >= 0 && n <= DateTimeOffset.MaxValue.ToUnixTimeSeconds() ? DateTimeOffset.FromUnixTimeSeconds(n) : null;

    private static int? Int(JsonObject o, string key) =>
        Long(o, key) is { } n && n is >= int.MinValue and <= int.MaxValue ? (int)n : null;

    private static IPAddress? Addr(JsonObject o, string key) =>
        Str(o, key) is { } s && IPAddress.TryParse(s, out var a) ? a : null;
}
