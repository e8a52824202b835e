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
/// The subscriber half: open a connection (nodeInfo → suite → keys → requestConnection → tunnel up),
/// route the Internet through the active one, renew every lease/3, close (release and remove
/// everything added). Up to <see cref="MaxConnections"/> connections at once, each on its own
/// interface: the active one, a standby to the runner-up (make-before-break failover: only the
/// routes change), and a short-lived one for an on-demand test. The autopilot decides which.
/// </summary>
public sealed class SubscriberService : IAsyncDisposable
{
    public const string HostPart = "subscriber";
    public const int MaxConnections = 3;
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
    private readonly Dictionary<string, Open> _open = new(StringComparer.Ordinal);
    private readonly List<Task> _background = [];
    private HostFacts? _facts;
    private string? _activeSid;
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

    /// <summary>A connection the gateway ended (renewal refused, lease ran out): it is already gone from the host.</summary>
    public event Action<Connection, string>? Lost;

    /// <summary>A renewal got no answer: the gateway's daemon may be dead. The connection stays until its lease ends (or the autopilot moves).</summary>
    public event Action<Connection, string>? RenewFailed;

    /// <summary>The gateway renewed the session.</summary>
    public event Action<Connection>? Renewed;

    /// <summary>The connection carrying the Internet traffic, if any.</summary>
    public Connection? Current
    {
        get
        {
            lock (_open)
                return _activeSid is { } sid && _open.TryGetValue(sid, out var open) ? open.Connection : null;
        }
    }

    /// <summary>Every open connection, the active one first.</summary>
    public IReadOnlyList<Connection> Connections
    {
        get
        {
            lock (_open)
                return [.. _open.Values.Select(o => o.Connection).OrderBy(c => c.Sid == _activeSid ? 0 : 1).ThenBy(c => c.Slot)];
        }
    }

    public string? LastError => _lastError;

    /// <summary>The interface of the first slot (the one a single connection uses).</summary>
    public string InterfaceName => InterfaceOf(0);

    public string InterfaceOf(int slot) => Core.Host.InterfaceNames.For(_config.InterfacePrefix, _identity.Tag, 's', slot);

    /// <summary>Suites this node can use: every available network × tunnel that works here × payment.</summary>
    public IReadOnlyList<Suite> SupportedSuites() =>
        [.. from n in _networks.AvailableNetworks
            from t in _tunnels.Values
            where _facts is not null && t.Check(_facts).Available && t.RunsOver(n)
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
            if (_tunnels.TryGetValue(stale.Suite.Tunnel, out var tunnel) && tunnel.Check(facts).Available)
            {
                var input = new SubscriberTunnelInput(stale.Interface, stale.Secret ?? "", stale.Tunnel, stale.GatewayAddress,
                    stale.Ipv4 is { } a4 ? new InterfaceAddress(a4, 32) : null, stale.Ipv6 is { } a6 ? new InterfaceAddress(a6, 128) : null, 0);
                await TryDisconnectTunnelAsync(tunnel, input);
            }
            await _store.UpdateConnectionStateAsync(stale.Id, ConnectionState.Released, ct);
        }
    }

    public void UpdateFacts(HostFacts facts) => _facts = facts;

    /// <summary>Records what the gateway now says about connection <paramref name="sid"/>'s payment (after paying); false when it is not open.</summary>
    public bool UpdatePayment(string sid, PaymentStatus payment)
    {
        lock (_open)
        {
            if (!_open.TryGetValue(sid, out var open))
                return false;
            _open[sid] = open with { Connection = open.Connection with { Payment = payment } };
            return true;
        }
    }

    /// <summary>
    /// Connects through <paramref name="gateway"/> and routes the Internet through it. Make before
    /// break: the new tunnel comes up beside the old connection, the routes move, then the old one
    /// is released. When the new one fails, the old one stays.
    /// </summary>
    public async Task<JsonObject> ConnectAsync(IPAddress gateway, int port, string? suiteId, CancellationToken ct)
    {
        using (await _lock.EnterAsync(ct))
        {
            var active = ActiveLocked();
            if (active is not null && active.GatewayAddress.Equals(gateway) && active.GatewayPort == port && (suiteId is null || suiteId == active.Suite.Id))
                return RpcResult.Ok(new JsonObject { ["connection"] = active.Describe(_time.GetUtcNow()), ["already"] = true });
            var standby = FindLocked(c => c.GatewayAddress.Equals(gateway) && c.GatewayPort == port && (suiteId is null || suiteId == c.Suite.Id));
            Connection? connection = standby;
            if (connection is null)
            {
                var (result, opened) = await OpenLockedAsync(gateway, port, suiteId, ct, replaceSharing: true);
                _lastError = RpcResult.IsSuccess(result) ? null : RpcResult.ErrorOf(result);
                if (opened is null)
                    return result;
                connection = opened;
            }
            await ActivateLockedAsync(connection.Sid, ct);
            if (active is not null)
                await CloseLockedAsync(active.Sid, ct);
            _lastError = null;
            return RpcResult.Ok(new JsonObject { ["connection"] = ActiveLocked()!.Describe(_time.GetUtcNow()) });
        }
    }

    /// <summary>
    /// Opens a connection without routing through it (a standby, or a test); <see cref="ActivateAsync"/> routes through it.
    /// A tunnel whose software carries one connection at a time (cjdns) is used only when it is free, unless
    /// <paramref name="replaceSharing"/>: then its current connection is closed first (break before make).
    /// </summary>
    public async Task<(JsonObject Result, Connection? Connection)> OpenAsync(IPAddress gateway, int port, string? suiteId, CancellationToken ct,
        bool test = false, bool replaceSharing = false)
    {
        using (await _lock.EnterAsync(ct))
            return await OpenLockedAsync(gateway, port, suiteId, ct, test, replaceSharing);
    }

    /// <summary>Routes the Internet through the open connection <paramref name="sid"/>; the previously active one stays open.</summary>
    public async Task<bool> ActivateAsync(string sid, CancellationToken ct)
    {
        using (await _lock.EnterAsync(ct))
            return await ActivateLockedAsync(sid, ct);
    }

    /// <summary>Closes one connection: off the host at once, released at the gateway in the background (it may be dead).</summary>
    public async Task<bool> CloseAsync(string sid, CancellationToken ct)
    {
        using (await _lock.EnterAsync(ct))
            return await CloseLockedAsync(sid, ct);
    }

    /// <summary>Closes every connection.</summary>
    public async Task<JsonObject> DisconnectAsync(CancellationToken ct)
    {
        using (await _lock.EnterAsync(ct))
        {
            if (_open.Count == 0)
                return RpcResult.Fail("Not connected");
            await DisconnectLockedAsync(ct);
            return RpcResult.Ok();
        }
    }

    private Connection? ActiveLocked()
    {
        lock (_open)
            return _activeSid is { } sid && _open.TryGetValue(sid, out var open) ? open.Connection : null;
    }

    private Connection? FindLocked(Func<Connection, bool> match)
    {
        lock (_open)
            return _open.Values.Select(o => o.Connection).FirstOrDefault(match);
    }

    private int? FreeSlotLocked()
    {
        lock (_open)
        {
            for (var slot = 0; slot < MaxConnections; slot++)
                if (!_open.Values.Any(o => o.Connection.Slot == slot))
                    return slot;
            return null;
        }
    }

    private async Task<(JsonObject, Connection?)> OpenLockedAsync(IPAddress gateway, int port, string? suiteId, CancellationToken ct,
        bool test = false, bool replaceSharing = false)
    {
        if (FreeSlotLocked() is not { } slot)
            return (RpcResult.Fail($"Already {MaxConnections} connections open; close one first"), null);
        var endpoint = RpcClient.EndpointOf(gateway, port);
        JsonObject info;
        try
        {
            info = await _rpc.CallAsync(endpoint, "nodeInfo", null, ct);
        }
        catch (RpcClientException e)
        {
            return (RpcResult.Fail($"Cannot reach {gateway}: {e.Message}", temporary: true), null);
        }
        if (info["gateway"] is not JsonValue g || !g.TryGetValue<bool>(out var isGateway) || !isGateway)
            return (RpcResult.Fail($"{gateway} is not a gateway"), null);

        var offered = ReadSuites(info);
        var usable = SupportedSuites();
        Suite suite;
        if (suiteId is not null)
        {
            if (!Suite.TryParse(suiteId, out suite))
                return (RpcResult.Fail($"'{suiteId}' is not a suite id (network-tunnel-payment)"), null);
            if (!offered.Contains(suite))
                return (RpcResult.Fail($"{gateway} does not offer {suite}; it offers {string.Join(", ", offered)}"), null);
            if (!usable.Contains(suite))
                return (RpcResult.Fail($"This node cannot use {suite}; it can use {string.Join(", ", usable)}"), null);
            if (!replaceSharing && SharingInUse(suite) is { } busy)
                return (RpcResult.Fail($"The {suite.Tunnel} tunnel carries one connection at a time and {busy.Interface} is in use by the connection to {busy.GatewayAddress}"), null);
        }
        else
        {
            var common = offered.Where(usable.Contains).Where(s => replaceSharing || SharingInUse(s) is null).ToList();
            if (common.Count == 0)
                return (RpcResult.Fail($"No common suite: {gateway} offers {string.Join(", ", offered)}; this node can use {string.Join(", ", usable)}"), null);
            // The tunnel runs over the network the gateway's address is on, when we can tell.
            var via = _networks.NetworksOf(gateway);
            suite = common.OrderBy(s => via.Contains(s.Network) ? 0 : 1).First();
        }

        var tunnel = _tunnels[suite.Tunnel];
        if (SharingInUse(suite) is not null)
        {
            foreach (var sharing in Connections.Where(c => c.Interface == tunnel.SharedSubscriberInterface).ToList())
            {
                _log.LogInformation("The {Tunnel} tunnel carries one connection at a time: closing the one to {Gateway} first", suite.Tunnel, sharing.GatewayAddress);
                await CloseLockedAsync(sharing.Sid, ct);
            }
        }
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
            return (RpcResult.Fail($"requestConnection to {gateway} failed: {e.Message}", temporary: true), null);
        }
        if (!RpcResult.IsSuccess(reply))
            return (RpcResult.Fail($"{gateway} refused: {RpcResult.ErrorOf(reply)}", reply["temporaryError"] is not null), null);

        var connection = await BuildConnectionAsync(gateway, port, info, suite, keys.Secret, reply, slot, ct);
        if (connection is not null)
            connection = connection with { Test = test, Interface = tunnel.SharedSubscriberInterface ?? connection.Interface };
        if (connection is null)
        {
            await TryReleaseSidAsync(endpoint, Str(reply, "sid"), ct);
            return (RpcResult.Fail($"{gateway} sent a reply this node cannot use"), null);
        }
        if (FindLocked(c => c.Sid == connection.Sid) is not null)
            return (RpcResult.Fail($"{gateway} answered with a session id this node already holds"), null);

        var input = InputOf(connection);
        var plan = tunnel.PlanSubscriber(input);
        if (!plan.Ok)
        {
            await TryReleaseAsync(connection, ct);
            return (RpcResult.Fail(plan.Error!), null);
        }
        try
        {
            await tunnel.ConnectSubscriberAsync(input, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await TryDisconnectTunnelAsync(connection);
            await TryReleaseAsync(connection, ct);
            return (RpcResult.Fail($"Could not bring the tunnel up: {e.Message}"), null);
        }

        try
        {
            connection = connection with { Id = await _store.SaveConnectionAsync(connection.ToRecord(ConnectionState.Up), ct) };
            lock (_open)
                _open[connection.Sid] = new Open(connection, plan.State);
            await ApplyLockedAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            lock (_open)
                _open.Remove(connection.Sid);
            await TryReleaseAsync(connection, ct);
            await TryApplyAsync();
            await TryDisconnectTunnelAsync(connection);
            await _store.UpdateConnectionStateAsync(connection.Id, ConnectionState.Released, CancellationToken.None);
            return (RpcResult.Fail($"Could not bring the tunnel up: {e.Message}"), null);
        }

        StartRenewal(connection);
        _log.LogInformation("Tunnel to {Gateway} ({Name}) with {Suite} on {Interface}: {Ipv4} {Ipv6} mtu {Mtu}",
            gateway, connection.GatewayName, suite, connection.Interface, connection.Ipv4, connection.Ipv6, connection.Mtu);
        return (RpcResult.Ok(new JsonObject { ["connection"] = connection.Describe(_time.GetUtcNow()) }), connection);
    }

    private async Task<bool> ActivateLockedAsync(string sid, CancellationToken ct)
    {
        Connection? previous;
        Connection next;
        lock (_open)
        {
            if (!_open.TryGetValue(sid, out var open) || open.Connection.Test)
                return false;
            if (_activeSid == sid)
                return true;
            previous = _activeSid is { } p && _open.TryGetValue(p, out var old) ? old.Connection : null;
            next = open.Connection;
            _activeSid = sid;
        }
        try
        {
            await ApplyLockedAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            lock (_open)
                _activeSid = previous?.Sid;
            await TryApplyAsync();
            _log.LogWarning("Could not route through {Gateway}: {Error}", next.GatewayAddress, e.Message);
            return false;
        }
        _log.LogInformation("Internet traffic now goes through {Gateway} ({Name}) on {Interface}", next.GatewayAddress, next.GatewayName, next.Interface);
        if (previous is not null)
            _ = _hooks.RunAsync("onDisconnect", _config.OnDisconnect, HookValues(previous), CancellationToken.None);
        _ = _hooks.RunAsync("onConnect", _config.OnConnect, HookValues(next), CancellationToken.None);
        return true;
    }

    private async Task<bool> CloseLockedAsync(string sid, CancellationToken ct)
    {
        Open? open;
        bool wasActive;
        lock (_open)
        {
            if (!_open.Remove(sid, out open))
                return false;
            wasActive = _activeSid == sid;
            if (wasActive)
                _activeSid = null;
        }
        open.Renewal.Cancel();
        await ApplyLockedAsync(ct);
        await TryDisconnectTunnelAsync(open.Connection);
        await _store.UpdateConnectionStateAsync(open.Connection.Id, ConnectionState.Released, CancellationToken.None);
        _log.LogInformation("Closed the tunnel to {Gateway} on {Interface}", open.Connection.GatewayAddress, open.Connection.Interface);
        if (wasActive)
            _ = _hooks.RunAsync("onDisconnect", _config.OnDisconnect, HookValues(open.Connection), CancellationToken.None);
        // A dead gateway would hold a failover up for the RPC timeout: tell it in the background.
        lock (_background)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(Task.Run(() => TryReleaseAsync(open.Connection, CancellationToken.None)));
        }
        return true;
    }

    /// <summary>The subscriber's slice of the host: every open tunnel, and the routes through the active one.</summary>
    private Task ApplyLockedAsync(CancellationToken ct)
    {
        HostState state;
        lock (_open)
        {
            // Every tunnel with its own routes (a standby's way to its gateway); the default routes through the active one only.
            state = _open.Values.OrderBy(o => o.Connection.Slot).Aggregate(HostState.Empty, (acc, o) => acc.Merge(o.TunnelState with { Policy = null, Dns = null }));
            if (_activeSid is { } sid && _open.TryGetValue(sid, out var active))
            {
                var routed = DesiredState(active.Connection, HostState.Empty);
                state = state with { Routes = state.Routes.AddRange(routed.Routes), Policy = routed.Policy, Dns = routed.Dns, Firewall = state.Firewall.Merge(routed.Firewall) };
            }
        }
        return _host.SetAsync(HostPart, state, ct);
    }

    private async Task TryApplyAsync()
    {
        try
        {
            await ApplyLockedAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            _log.LogError("Could not restore the subscriber's host state: {Error}", e.Message);
        }
    }

    private async Task<Connection?> BuildConnectionAsync(IPAddress gateway, int port, JsonObject info, Suite suite, string secret, JsonObject reply, int slot, CancellationToken ct)
    {
        var sid = Str(reply, "sid");
        if (sid is null || sid.Length is < 16 or > 128 || reply["tunnel"] is not JsonObject tunnel)
            return null;
        InterfaceAddress? v4 = null, v6 = null;
        if (Addr(reply, "ipv4") is { } a4 && a4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            v4 = new InterfaceAddress(a4, Math.Clamp(Int(reply, "ipv4Prefix") ?? 32, 8, 32));
        if (Addr(reply, "ipv6") is { } a6 && a6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            v6 = new InterfaceAddress(a6, Math.Clamp(Int(reply, "ipv6Prefix") ?? 128, 16, 128));
        // No addresses is for the tunnel's plan to judge: socks and forward hand out none, the others refuse.

        var offeredMtu = Int(reply, "mtu") ?? 1420;
        int mtu;
        if (_tunnels.TryGetValue(suite.Tunnel, out var own) && own.SharedSubscriberInterface is not null)
        {
            // The tunnel's software owns the interface and its MTU (cjdroute's TUN): only reported.
            mtu = Math.Clamp(offeredMtu, 576, 65535);
        }
        else
        {
            var pathMtu = await _platform.PathMtuAsync(gateway, ct);
            mtu = _config.WireGuardMtu > 0 ? _config.WireGuardMtu : offeredMtu;
            if (pathMtu is { } path)
                mtu = Math.Min(mtu, path - WireGuardOverhead);
            mtu = Math.Max(mtu, 1280);
        }

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
            Interface = InterfaceOf(slot),
            Slot = slot,
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
            Payment = PaymentStatus.Parse(reply["payment"], suite.Payment),
        };
    }

    /// <summary>The subscriber's slice of the host: the tunnel, and unless routing=none the default routes and policy.</summary>
    public HostState DesiredState(Connection connection, HostState tunnelState)
    {
        var state = tunnelState;
        if (_config.Routing == SubscriberRouting.Route)
        {
            var routes = ImmutableArray.CreateBuilder<RouteSpec>();
            // On an interface the tunnel's software shares with other traffic (cjdroute's TUN, which also holds the
            // node's cjdns address) the source decides which tunnel a packet takes: name it.
            var shared = _tunnels.TryGetValue(connection.Suite.Tunnel, out var t) && t.SharedSubscriberInterface is not null;
            if (connection.Ipv4 is { } v4)
                routes.Add(new RouteSpec(IPNetwork.Parse("0.0.0.0/0"), connection.Interface, Source: shared ? v4.Address : null));
            if (connection.Ipv6 is { } v6)
                routes.Add(new RouteSpec(IPNetwork.Parse("::/0"), connection.Interface, Source: shared ? v6.Address : null));
            state = state with
            {
                Routes = routes.ToImmutable(),
                Policy = new RoutingPolicy(_config.RoutingTable, _config.RulePriority, connection.Ipv4 is not null, connection.Ipv6 is not null),
            };
        }
        if (_config.SubscriberDns && connection.Dns.Count > 0)
            state = state with { Dns = new DnsSpec([.. connection.Dns], connection.Interface, _config.ResolvConf) };
        // A tunnel without an interface of its own (forward, socks) carries the Internet its own way.
        if (_config.Routing == SubscriberRouting.Route && _tunnels.TryGetValue(connection.Suite.Tunnel, out var own))
            state = own.RouteInternet(InputOf(connection), state);
        return state;
    }

    private void StartRenewal(Connection connection)
    {
        Open? open;
        lock (_open)
            _open.TryGetValue(connection.Sid, out open);
        if (open is null)
            return;
        var ct = open.Renewal.Token;
        _ = Task.Run(() => RenewLoopAsync(connection.Sid, ct));
    }

    private Connection? Find(string sid)
    {
        lock (_open)
            return _open.TryGetValue(sid, out var open) ? open.Connection : null;
    }

    private async Task RenewLoopAsync(string sid, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (Find(sid) is not { } connection)
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
                    lock (_open)
                        if (_open.TryGetValue(sid, out var open))
                            _open[sid] = open with
                            {
                                Connection = open.Connection with
                                {
                                    ExpiresAt = expires,
                                    Payment = reply["payment"] is JsonObject paid ? PaymentStatus.Parse(paid, connection.Suite.Payment) : open.Connection.Payment,
                                },
                            };
                    Renewed?.Invoke(connection);
                    // Each renewal also makes the host match again (an unchanged host sees no change): a tunnel whose
                    // interface went down and up, as SoftEther's adapter does when its session comes back, lost its routes.
                    await RepairHostAsync(ct);
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
                RenewFailed?.Invoke(connection, e.Message);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Applies the subscriber's slice of the host again; a failure is logged (the next renewal tries again).</summary>
    private async Task RepairHostAsync(CancellationToken ct)
    {
        try
        {
            using (await _lock.EnterAsync(ct))
                await ApplyLockedAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.LogWarning("Could not bring the host back to the subscriber's state: {Error}", e.Message);
        }
    }

    /// <summary>The session is gone at the gateway: remove the tunnel (and its routes) here.</summary>
    private async Task DropAsync(string sid, string reason, CancellationToken ct)
    {
        Connection connection;
        using (await _lock.EnterAsync(ct))
        {
            Open? open;
            bool wasActive;
            lock (_open)
            {
                if (!_open.Remove(sid, out open))
                    return;
                wasActive = _activeSid == sid;
                if (wasActive)
                    _activeSid = null;
            }
            connection = open.Connection;
            if (wasActive)
                _lastError = $"Disconnected from {connection.GatewayAddress}: {reason}";
            await ApplyLockedAsync(ct);
            await TryDisconnectTunnelAsync(connection);
            await _store.UpdateConnectionStateAsync(connection.Id, ConnectionState.Down, ct);
            _log.LogWarning("Connection to {Gateway} on {Interface} is down: {Reason}", connection.GatewayAddress, connection.Interface, reason);
            if (wasActive)
                _ = _hooks.RunAsync("onDisconnect", _config.OnDisconnect, HookValues(connection), CancellationToken.None);
        }
        Lost?.Invoke(connection, reason);
    }

    private async Task DisconnectLockedAsync(CancellationToken ct)
    {
        List<Open> all;
        Connection? active;
        lock (_open)
        {
            all = [.. _open.Values];
            active = _activeSid is { } sid && _open.TryGetValue(sid, out var a) ? a.Connection : null;
            _open.Clear();
            _activeSid = null;
        }
        foreach (var open in all)
            open.Renewal.Cancel();
        await Task.WhenAll(all.Select(o => TryReleaseAsync(o.Connection, ct)));
        await ApplyLockedAsync(ct);
        foreach (var open in all)
            await TryDisconnectTunnelAsync(open.Connection);
        foreach (var open in all)
            await _store.UpdateConnectionStateAsync(open.Connection.Id, ConnectionState.Released, CancellationToken.None);
        foreach (var open in all)
            _log.LogInformation("Disconnected from {Gateway} ({Interface})", open.Connection.GatewayAddress, open.Connection.Interface);
        if (active is not null)
            _ = _hooks.RunAsync("onDisconnect", _config.OnDisconnect, HookValues(active), CancellationToken.None);
    }

    private SubscriberTunnelInput InputOf(Connection c) =>
        new(c.Interface, c.Secret, c.Tunnel, c.GatewayAddress, c.Ipv4, c.Ipv6, c.Mtu, c.TunnelGateway4, c.TunnelGateway6);

    private Task TryDisconnectTunnelAsync(Connection connection) =>
        _tunnels.TryGetValue(connection.Suite.Tunnel, out var tunnel) ? TryDisconnectTunnelAsync(tunnel, InputOf(connection)) : Task.CompletedTask;

    /// <summary>Tells the tunnel's own software the connection is over; a failure is logged (the gateway revokes it too).</summary>
    private async Task TryDisconnectTunnelAsync(ITunnelAdapter tunnel, SubscriberTunnelInput input)
    {
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await tunnel.DisconnectSubscriberAsync(input, limit.Token);
        }
        catch (Exception e)
        {
            _log.LogWarning("Could not end the {Tunnel} connection to {Gateway} in its software: {Error}", tunnel.Name, input.GatewayMeshAddress, e.Message);
        }
    }

    /// <summary>The open connection on the interface <paramref name="suite"/>'s tunnel shares, if it shares one.</summary>
    private Connection? SharingInUse(Suite suite) =>
        _tunnels.TryGetValue(suite.Tunnel, out var tunnel) && tunnel.SharedSubscriberInterface is { } shared
            ? Connections.FirstOrDefault(c => c.Interface == shared)
            : null;

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

    /// <summary>On shutdown: release the sessions and remove the tunnels.</summary>
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
        Task[] pending;
        lock (_background)
            pending = [.. _background];
        await Task.WhenAny(Task.WhenAll(pending), Task.Delay(TimeSpan.FromSeconds(5)));
    }

    /// <summary>One open connection: what it is, its tunnel's slice of the host, and its renewal.</summary>
    private sealed record Open(Connection Connection, HostState TunnelState)
    {
        public CancellationTokenSource Renewal { get; } = new();
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
