using System.Collections.Immutable;
using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Config;
using Mnigs.Core.Gateway;
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

namespace Mnigs.Gateway;

/// <summary>
/// The gateway half of the protocol: nodeInfo, requestConnection, renewConnection, releaseConnection,
/// lease expiry. Decides with <see cref="SessionBook"/>, keeps sessions in the store so a restart keeps
/// what subscribers were granted, and hands the resulting host state to the coordinator.
/// </summary>
public sealed class GatewayService
{
    public const string HostPart = "gateway";

    private readonly MnigsConfig _config;
    private readonly NodeIdentity _identity;
    private readonly NetworkMonitor _networks;
    private readonly IReadOnlyDictionary<string, ITunnelAdapter> _tunnels;
    private readonly IReadOnlyDictionary<string, IPaymentMethod> _payments;
    private readonly SessionBook _book;
    private readonly MnigsStore _store;
    private readonly HostStateCoordinator _host;
    private readonly HookRunner _hooks;
    private readonly ILogger<GatewayService> _log;
    private readonly AsyncLock _lock = new();
    private volatile HostFacts _facts;

    public GatewayService(MnigsConfig config, NodeIdentity identity, NetworkMonitor networks,
        IReadOnlyDictionary<string, ITunnelAdapter> tunnels, IReadOnlyDictionary<string, IPaymentMethod> payments,
        SessionBook book, MnigsStore store, HostStateCoordinator host, HookRunner hooks, HostFacts facts, ILogger<GatewayService> log)
    {
        _config = config;
        _identity = identity;
        _networks = networks;
        _tunnels = tunnels;
        _payments = payments;
        _book = book;
        _store = store;
        _host = host;
        _hooks = hooks;
        _facts = facts;
        _log = log;
    }

    public string? Uplink => _config.Uplink.Length > 0 ? _config.Uplink : _facts.DefaultRouteInterface;

    /// <summary>Why this node serves no suites, in words for the operator; null when it serves.</summary>
    public string? NotServingReason
    {
        get
        {
            if (!_config.GatewayEnabled)
                return "gateway is disabled ([gateway] enabled = no)";
            if (Uplink is null)
                return "no uplink: set [gateway] uplink or give this host a default route";
            if (!_networks.AvailableNetworks.Any())
                return "no mesh network is available: " + string.Join("; ", _networks.Snapshots.Values.Select(s => s.Health.Message));
            if (!UsableTunnels.Any())
                return "no tunnel can work on this host: " + string.Join("; ", _tunnels.Values.Select(t => t.Check(_facts).Message));
            return null;
        }
    }

    public bool Serving => NotServingReason is null;

    public int SessionCount => _book.Count;

    public int MaxConnections => _book.MaxConnections;

    private IEnumerable<ITunnelAdapter> UsableTunnels =>
        _tunnels.Values.Where(t => t.Check(_facts).Available && _book.PoolsFor(t.Name) is not null);

    /// <summary>Every suite this gateway serves now: each available network × usable tunnel × the payment of gateway.payment.</summary>
    public IReadOnlyList<Suite> Suites()
    {
        if (!Serving)
            return [];
        return [.. from n in _networks.AvailableNetworks
                   from t in UsableTunnels
                   where t.RunsOver(n)
                   from p in _payments.Values
                   where p.Name == _config.GatewayPayment
                   select new Suite(n, t.Name, p.Name)];
    }

    /// <summary>The price per hour of <paramref name="suite"/> in micro-units: gateway.price for a paid suite, 0 for a free one.</summary>
    public long PriceMicrosOf(Suite suite) => suite.Payment == "free" ? 0 : _config.PriceMicros;

    private sealed record NodeInfoCache(object Networks, int Sessions, byte[] Bytes);

    private volatile NodeInfoCache? _nodeInfoCache;

    /// <summary>nodeInfo serialized, cached until the networks or the sessions change: it is the hottest public method (every scan asks it).</summary>
    public byte[] NodeInfoBytes()
    {
        var networks = _networks.Snapshots;
        var sessions = _book.Count;
        if (_nodeInfoCache is { } cached && ReferenceEquals(cached.Networks, networks) && cached.Sessions == sessions)
            return cached.Bytes;
        var bytes = System.Text.Encoding.UTF8.GetBytes(NodeInfo().ToJsonString());
        _nodeInfoCache = new NodeInfoCache(networks, sessions, bytes);
        return bytes;
    }

    public JsonObject NodeInfo()
    {
        var suites = new JsonArray();
        foreach (var s in Suites())
        {
            var suite = new JsonObject { ["id"] = s.Id, ["network"] = s.Network, ["tunnel"] = s.Tunnel, ["payment"] = s.Payment, ["price"] = (decimal)PriceMicrosOf(s) / 1_000_000 };
            if (PriceMicrosOf(s) > 0)
            {
                suite["priceMicros"] = PriceMicrosOf(s);
                if (_config.PriceUnit.Length > 0)
                    suite["priceUnit"] = _config.PriceUnit;
            }
            suites.Add((JsonNode)suite);
        }
        return RpcResult.Ok(new JsonObject
        {
            ["name"] = _identity.Name,
            ["version"] = _identity.Version,
            ["id"] = _identity.NodeId,
            ["gateway"] = Serving,
            ["rpcPort"] = _config.RpcPort,
            ["suites"] = suites,
            ["load"] = new JsonObject { ["sessions"] = _book.Count, ["capacity"] = _book.MaxConnections },
        });
    }

    /// <summary>Takes back sessions kept across a restart and prepares the tunnel service.</summary>
    public async Task StartAsync(HostFacts facts, CancellationToken ct)
    {
        _facts = facts;
        using (await _lock.EnterAsync(ct))
        {
            var restored = 0;
            foreach (var session in await _store.LoadSessionsAsync(ct))
            {
                // The book judges expiry by its own clock (the daemon's TimeProvider), not the wall clock.
                if (_book.Restore(session))
                    restored++;
                else
                    await _store.DeleteSessionAsync(session.Sid, ct);
            }
            if (restored > 0)
                _log.LogInformation("Restored {Count} gateway sessions from the store", restored);
            await ApplyLockedAsync(ct);
        }
    }

    /// <summary>New facts about the host (the uplink appeared or changed); call <see cref="RefreshAsync"/> after.</summary>
    public void UpdateFacts(HostFacts facts) => _facts = facts;

    /// <summary>Re-applies the gateway's host state, e.g. after networks came up or went down.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        using (await _lock.EnterAsync(ct))
        {
            await ApplyLockedAsync(ct);
        }
    }

    public async Task<JsonObject> RequestConnectionAsync(RpcCall call, CancellationToken ct)
    {
        var p = call.Params;
        var subscriberId = p.String("sid", 128) ?? "";
        var name = p.String("name", 64) ?? "";
        var port = p.Int("port", 0, 65535) ?? 0;
        var method = p.String("method", 64, required: true)!;
        var options = p.Object("options");

        if (!Serving)
            return RpcResult.Fail("No gateway here");
        if (!Suite.TryParse(method, out var suite) || !Suites().Contains(suite))
            return RpcResult.Fail("Suite not supported");
        var tunnel = _tunnels[suite.Tunnel];
        var admission = tunnel.Admit(options, call.Caller);
        if (!admission.Ok)
            return RpcResult.Fail(admission.Error!);
        var payment = _payments[suite.Payment];

        GatewaySession session;
        using (await _lock.EnterAsync(ct))
        {
            // A tunnel that keeps nothing with the session (socks, forward: it goes by the mesh address) has no key to clash.
            if (admission.State.Count > 0 && _book.Sessions.Any(s => s.Suite.Tunnel == suite.Tunnel && JsonNode.DeepEquals(s.TunnelState, admission.State)))
                return RpcResult.Fail("Tunnel key already in use by another session");
            var opened = _book.Open(call.Caller, suite, subscriberId, name, port, admission.State, payment.Open().State);
            if (!opened.Ok)
                return RpcResult.Fail(opened.Error!, opened.Temporary);
            session = opened.Session!;
            // Session ids are bearer secrets for renew/release only together with the mesh address; still never log them whole.
            await _store.SaveSessionAsync(session, ct);
            // A subscriber coming back keeps what it paid for (a voucher with time or data left).
            if (await payment.ResumeAsync(session, ct) is { } resumed && _book.SetPaymentState(session.Sid, resumed) is { } paid)
            {
                session = paid;
                await _store.SaveSessionAsync(session, ct);
            }
            try
            {
                await ApplyLockedAsync(ct, strictTunnel: suite.Tunnel);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _book.Evict(session.Sid);
                await _store.DeleteSessionAsync(session.Sid, ct);
                await ApplyLockedAsync(CancellationToken.None);
                return RpcResult.Fail("The gateway could not set up the tunnel: " + e.Message, temporary: true);
            }
        }

        _log.LogInformation("Session {Sid} opened for {Mesh} ({Name}) on {Suite}: {Ipv4} {Ipv6}",
            Short(session.Sid), session.MeshAddress, session.Name, session.Suite, session.Ipv4, session.Ipv6);
        _ = _hooks.RunAsync("onRegister", _config.OnRegister, HookValues(session, tunnel), CancellationToken.None);
        return Reply(session, tunnel, call.Local);
    }

    public async Task<JsonObject> RenewConnectionAsync(RpcCall call, CancellationToken ct)
    {
        var sid = call.Params.String("sid", 128, required: true)!;
        using (await _lock.EnterAsync(ct))
        {
            // The session stays granted, but while the uplink is gone it carries nothing: say so, so the subscriber can look elsewhere.
            if (!Serving && _book.Find(sid) is not null)
                return RpcResult.Fail("No gateway here: " + NotServingReason, temporary: true);
            var renewed = _book.Renew(sid, call.Caller);
            if (!renewed.Ok)
                return RpcResult.Fail(renewed.Error!);
            await _store.SaveSessionAsync(renewed.Session!, ct);
            await RenewHostLockedAsync(ct);
            return RpcResult.Ok(new JsonObject
            {
                ["sid"] = sid,
                ["timeoutTimestamp"] = renewed.Session!.ExpiresAt.ToUnixTimeSeconds(),
                ["payment"] = PaymentOf(renewed.Session).Describe(renewed.Session, call.Local),
            });
        }
    }

    public async Task<JsonObject> ReleaseConnectionAsync(RpcCall call, CancellationToken ct)
    {
        var sid = call.Params.String("sid", 128, required: true)!;
        GatewaySession session;
        using (await _lock.EnterAsync(ct))
        {
            var released = _book.Release(sid, call.Caller);
            if (!released.Ok)
                return RpcResult.Fail(released.Error!);
            session = released.Session!;
            await TearDownLockedAsync(session, ct);
        }
        _log.LogInformation("Session {Sid} released by {Mesh}", Short(session.Sid), session.MeshAddress);
        return RpcResult.Ok();
    }

    /// <summary>Administrative release (local admin API): no owner check.</summary>
    public async Task<bool> EvictAsync(string sid, CancellationToken ct)
    {
        using (await _lock.EnterAsync(ct))
        {
            if (_book.Evict(sid) is not { } session)
                return false;
            await TearDownLockedAsync(session, ct);
            _log.LogInformation("Session {Sid} of {Mesh} released by the operator", Short(session.Sid), session.MeshAddress);
            return true;
        }
    }

    /// <summary>Tears down every session whose lease ran out; called every second.</summary>
    public async Task<int> ExpireAsync(CancellationToken ct)
    {
        using (await _lock.EnterAsync(ct))
        {
            var expired = _book.Expire();
            foreach (var session in expired)
            {
                _log.LogInformation("Session {Sid} of {Mesh} expired", Short(session.Sid), session.MeshAddress);
                await TearDownLockedAsync(session, ct);
            }
            return expired.Count;
        }
    }

    public IReadOnlyList<GatewaySession> Sessions => _book.Sessions;

    /// <summary>
    /// After a payment changed (a voucher redeemed, revoked, used up or run out): records each session's payment
    /// state as its method now says and applies the host, so the kernel lets through exactly the paid sessions.
    /// </summary>
    public async Task RefreshPaymentsAsync(CancellationToken ct)
    {
        using (await _lock.EnterAsync(ct))
        {
            foreach (var session in _book.Sessions)
            {
                var state = PaymentOf(session).StateOf(session);
                if (state == session.PaymentState || _book.SetPaymentState(session.Sid, state) is not { } updated)
                    continue;
                await _store.SaveSessionAsync(updated, ct);
                _log.LogInformation("Session {Sid} of {Mesh}: payment {From} -> {To}", Short(session.Sid), session.MeshAddress, session.PaymentState, state);
            }
            await ApplyLockedAsync(ct);
        }
    }

    private IPaymentMethod PaymentOf(GatewaySession session) =>
        _payments.TryGetValue(session.Suite.Payment, out var method) ? method : throw new InvalidOperationException($"No payment method {session.Suite.Payment}");

    /// <summary>Whether <paramref name="address"/> is a tunnel address this gateway handed to a current session.</summary>
    public bool IsSubscriberAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        return _book.Sessions.Any(s => address.Equals(s.Ipv4) || address.Equals(s.Ipv6));
    }

    private async Task TearDownLockedAsync(GatewaySession session, CancellationToken ct)
    {
        await _store.DeleteSessionAsync(session.Sid, ct);
        await ApplyLockedAsync(ct);
        if (_tunnels.TryGetValue(session.Suite.Tunnel, out var tunnel))
            _ = _hooks.RunAsync("onRelease", _config.OnRelease, HookValues(session, tunnel), CancellationToken.None);
    }

    /// <summary>
    /// After a renewal: host state that follows the lease (the forward tunnel's set elements time out with it) is
    /// renewed too. A failure is logged, not answered: the session is renewed, and the next change applies again.
    /// </summary>
    private async Task RenewHostLockedAsync(CancellationToken ct)
    {
        try
        {
            await _host.SetAsync(HostPart, DesiredState(), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.LogWarning("Could not renew the host state after a renewal: {Error}", e.Message);
        }
    }

    /// <summary>Raised after sessions or serving state changed and the host was updated (the directory re-publishes).</summary>
    public event Action? Changed;

    /// <param name="strictTunnel">The tunnel whose service must take the change (a new session's); failures of the others are logged and repaired by the next <see cref="SyncTunnelsAsync"/>.</param>
    private async Task ApplyLockedAsync(CancellationToken ct, string? strictTunnel = null)
    {
        await _host.SetAsync(HostPart, DesiredState(), ct);
        await SyncTunnelsLockedAsync(Serving ? _book.Sessions : [], strictTunnel, ct);
        Changed?.Invoke();
    }

    /// <summary>Tells every tunnel's own service (cjdroute's IpTunnel) the live sessions again: repairs a service that restarted or missed a change.</summary>
    public async Task SyncTunnelsAsync(CancellationToken ct)
    {
        using (await _lock.EnterAsync(ct))
            await SyncTunnelsLockedAsync(Serving ? _book.Sessions : [], null, ct);
    }

    /// <summary>On shutdown: the tunnels' own services stop serving the sessions (they stay in the store and come back on the next start).</summary>
    public async Task StopAsync(CancellationToken ct)
    {
        using (await _lock.EnterAsync(ct))
            await SyncTunnelsLockedAsync([], null, ct);
    }

    private async Task SyncTunnelsLockedAsync(IReadOnlyList<GatewaySession> sessions, string? strictTunnel, CancellationToken ct)
    {
        // A node that is no gateway has no sessions to serve, and its tunnels' software may be carrying its own connections.
        if (!_config.GatewayEnabled)
            return;
        foreach (var tunnel in _tunnels.Values)
        {
            // A tunnel that cannot work here has no service to tell (cjdroute is not answering, say).
            if (!tunnel.Check(_facts).Available)
                continue;
            try
            {
                await tunnel.SyncGatewayAsync([.. sessions.Where(s => s.Suite.Tunnel == tunnel.Name)], ct);
            }
            catch (Exception e) when (e is not OperationCanceledException && tunnel.Name != strictTunnel)
            {
                _log.LogWarning("Could not bring the {Tunnel} tunnel's service in line with the sessions (tried again in a few seconds): {Error}", tunnel.Name, e.Message);
            }
        }
    }

    /// <summary>
    /// The gateway's slice of the host: tunnel services, forwarding, NAT to the uplink only, MSS clamp.
    /// Nothing at all while no subscriber is connected, so an idle gateway leaves the host as it found it.
    /// </summary>
    public HostState DesiredState()
    {
        var sessions = _book.Sessions;
        if (!Serving || sessions.Count == 0)
            return HostState.Empty;
        var state = HostState.Empty;
        var sources = ImmutableArray.CreateBuilder<IPNetwork>();
        var interfaces = ImmutableArray.CreateBuilder<string>();
        foreach (var tunnel in UsableTunnels)
        {
            state = state.Merge(tunnel.GatewayState(sessions));
            interfaces.AddRange(tunnel.GatewayInterfaces);
            var pools = _book.PoolsFor(tunnel.Name)!;
            if (pools.Ipv4 is { } p4)
                sources.Add(p4.Subnet);
            if (pools.Ipv6 is { } p6)
                sources.Add(p6.Subnet);
        }
        return state with
        {
            Forwarding = true,
            // The tunnels' own rules (forward's sources, socks' port) beside the common ones.
            Firewall = state.Firewall.Merge(new FirewallSpec
            {
                MasqueradeSources = sources.ToImmutable(),
                Uplink = Uplink,
                SubscriberInterfaces = interfaces.ToImmutable(),
                ClampMss = true,
                Payment = _payments.Values.Aggregate(PaymentFirewall.None, (gate, p) => gate.Merge(p.Gate([.. sessions.Where(s => s.Suite.Payment == p.Name)]))),
            }),
        };
    }

    private JsonObject Reply(GatewaySession session, ITunnelAdapter tunnel, IPAddress local)
    {
        var pools = _book.PoolsFor(tunnel.Name)!;
        var tunnelObject = tunnel.DescribeForSubscriber(session, local);
        var dns = new JsonArray();
        foreach (var server in _config.GatewayDns.IsEmpty ? _facts.Resolvers : _config.GatewayDns)
            dns.Add((JsonNode)server.ToString());
        var reply = new JsonObject
        {
            ["sid"] = session.Sid,
            ["method"] = session.Suite.Id,
            ["timeoutTimestamp"] = session.ExpiresAt.ToUnixTimeSeconds(),
            ["leaseSeconds"] = (int)_book.Lease.TotalSeconds,
            ["dns"] = dns,
            ["mtu"] = tunnelObject["mtu"]?.DeepClone(),
            ["tunnel"] = tunnelObject,
            ["payment"] = PaymentOf(session).Describe(session, local),
        };
        if (session.Ipv4 is { } v4)
        {
            reply["ipv4"] = v4.ToString();
            reply["ipv4Prefix"] = pools.Ipv4!.Subnet.PrefixLength;
            reply["ipv4Gateway"] = pools.Ipv4.Gateway.ToString();
        }
        if (session.Ipv6 is { } v6)
        {
            reply["ipv6"] = v6.ToString();
            reply["ipv6Prefix"] = pools.Ipv6!.Subnet.PrefixLength;
            reply["ipv6Gateway"] = pools.Ipv6.Gateway.ToString();
        }
        return RpcResult.Ok(reply);
    }

    private static List<(string, string)> HookValues(GatewaySession s, ITunnelAdapter tunnel) =>
    [
        ("sid", s.Sid),
        ("meship", s.MeshAddress.ToString()),
        ("ipv4", s.Ipv4?.ToString() ?? ""),
        ("ipv6", s.Ipv6?.ToString() ?? ""),
        ("interface", tunnel.GatewayInterfaces.FirstOrDefault() ?? ""),
    ];

    private static string Short(string sid) => sid.Length > 8 ? sid[..8] : sid;
}
