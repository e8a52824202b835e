using System.Collections.Immutable;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Networks.Cjdns;
using Mnigs.Platform;

namespace Mnigs.Tunnels.Cjdns;

/// <summary>
/// Tunnel <c>cjdns</c>: cjdns' own IpTunnel, told what to do through cjdroute's admin interface. cjdns proves
/// every packet's sender by its key, so the key is the subscriber's credential and its fc00::/8 address is
/// derived from it: the gateway admits a key only from the address that key owns.
/// <list type="bullet">
/// <item>Gateway: for each live session IpTunnel_allowConnection(subscriber's key, the session's addresses);
/// anything it allowed earlier from its pools that no session holds any more is removed (release, expiry, a
/// crash), every few seconds too, so a restarted cjdroute is told again. The pool's gateway address goes on
/// cjdroute's TUN while there are sessions, which routes the replies back into the tunnel.</item>
/// <item>Subscriber: IpTunnel_connectTo(gateway's key); cjdroute gets the addresses from the gateway and puts them
/// on its TUN, and Mnigs routes through the TUN with the address as source once they are there. Ending the
/// connection removes it and the addresses. cjdroute has one TUN, so a subscriber holds one cjdns tunnel at a time.</item>
/// </list>
/// Protocol fields: options {publicKey}; reply tunnel {type, publicKey, mtu}.
/// </summary>
public sealed class CjdnsTunnel(CjdnsAdapter cjdns, IHostPlatform platform, TunnelPools? pools, ILogger<CjdnsTunnel> log,
    TimeSpan? addressWait = null) : ITunnelAdapter
{
    /// <summary>How long a subscriber waits for cjdroute to get its addresses from the gateway.</summary>
    public static readonly TimeSpan DefaultAddressWait = TimeSpan.FromSeconds(10);

    /// <summary>cjdroute's TUN MTU (TUNInterface's default), when the host does not say.</summary>
    private const int DefaultMtu = 1304;

    private readonly TimeSpan _addressWait = addressWait ?? DefaultAddressWait;
    private volatile LinkFacts? _tun;

    public string Name => "cjdns";

    /// <summary>cjdroute's TUN, as the last <see cref="Check"/> found it.</summary>
    public IReadOnlyList<string> GatewayInterfaces => _tun is { } tun ? [tun.Name] : [];

    public string? SharedSubscriberInterface => _tun?.Name;

    /// <summary>Available while cjdroute answers and its TUN (the interface holding this node's cjdns address) exists; remembers that TUN.</summary>
    public AdapterHealthFacts Check(HostFacts facts)
    {
        if (cjdns.Known is not { } self)
        {
            _tun = null;
            return new(false, "cjdroute does not answer on its admin interface (the cjdns network's status says why)");
        }
        if (facts.LinkWith(self.Address) is not { } tun)
        {
            _tun = null;
            return new(false, $"no interface holds this node's cjdns address {self.Address}: cjdroute needs a TUN (router.interface of type TUNInterface in cjdroute.conf)");
        }
        _tun = tun;
        return new(true, $"cjdroute's IpTunnel on {tun.Name}");
    }

    // --- gateway half ---

    public TunnelAdmission Admit(JsonObject? options, IPAddress caller)
    {
        var key = options?["publicKey"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (CjdnsAddress.ForKey(key) is not { } address)
            return TunnelAdmission.Refuse("options.publicKey must be a cjdns public key (52 characters of cjdns base32 and .k)");
        if (!address.Equals(caller))
            return TunnelAdmission.Refuse($"options.publicKey must be the cjdns key of the address the request came from ({caller}); it is the key of {address}");
        if (key == cjdns.Known?.Key)
            return TunnelAdmission.Refuse("options.publicKey is the gateway's own key");
        return TunnelAdmission.Accept(new JsonObject { ["publicKey"] = key });
    }

    public JsonObject DescribeForSubscriber(GatewaySession session, IPAddress meshAddress) => new()
    {
        ["type"] = Name,
        ["publicKey"] = cjdns.Known?.Key,
        ["mtu"] = _tun is { Mtu: > 0 } tun ? tun.Mtu : DefaultMtu,
    };

    /// <summary>Nothing of Mnigs' own: cjdroute's TUN carries the sessions (its address comes in <see cref="SyncGatewayAsync"/>).</summary>
    public HostState GatewayState(IReadOnlyList<GatewaySession> sessions) => HostState.Empty;

    public async Task SyncGatewayAsync(IReadOnlyList<GatewaySession> sessions, CancellationToken ct)
    {
        if (pools is null)
            return;
        var tun = _tun?.Name ?? throw new IOException("cjdroute's TUN is not known (its check failed)");
        var live = sessions.Where(s => s.TunnelState["publicKey"] is JsonValue).ToList();
        // Only the gateway's own address: a node may also be a subscriber of another gateway using the same pool.
        var own = new List<IPNetwork>();
        var gateway = new List<InterfaceAddress>();
        if (pools.Ipv4 is { } p4)
        {
            own.Add(new IPNetwork(p4.Gateway, 32));
            if (live.Count > 0)
                gateway.Add(new InterfaceAddress(p4.Gateway, p4.Subnet.PrefixLength));
        }
        if (pools.Ipv6 is { } p6)
        {
            own.Add(new IPNetwork(p6.Gateway, 128));
            if (live.Count > 0)
                gateway.Add(new InterfaceAddress(p6.Gateway, p6.Subnet.PrefixLength));
        }
        await platform.SetLinkAddressesAsync(tun, gateway, own, ct);

        var ipTunnel = cjdns.IpTunnel();
        var allowed = new List<CjdnsTunnelConnection>();
        foreach (var number in await ipTunnel.ListConnectionsAsync(ct))
        {
            // Connections outside Mnigs' pools are the operator's own (cjdroute.conf ipTunnel.allowedConnections): left alone.
            if (await ipTunnel.ShowConnectionAsync(number, ct) is { Outgoing: false } connection && InPools(connection))
                allowed.Add(connection);
        }
        foreach (var connection in allowed.Where(c => !live.Any(s => Matches(c, s))))
        {
            await ipTunnel.RemoveConnectionAsync(connection.Number, ct);
            log.LogInformation("cjdns: took back IpTunnel connection {Number} of {Address} ({Ipv4} {Ipv6})", connection.Number,
                CjdnsAddress.ForKey(connection.Key), connection.Ipv4?.Address, connection.Ipv6?.Address);
        }
        foreach (var session in live.Where(s => !allowed.Any(c => Matches(c, s))))
        {
            var key = session.TunnelState["publicKey"]!.GetValue<string>();
            var number = await ipTunnel.AllowConnectionAsync(key,
                session.Ipv4 is { } v4 ? new CjdnsTunnelAddress(v4, 32, 32) : null,
                session.Ipv6 is { } v6 ? new CjdnsTunnelAddress(v6, 128, 128) : null, ct);
            log.LogInformation("cjdns: IpTunnel connection {Number} allows {Address} with {Ipv4} {Ipv6}", number, session.MeshAddress, session.Ipv4, session.Ipv6);
        }
    }

    // --- subscriber half ---

    /// <summary>Nothing secret: the key is cjdroute's own. Options carry it so the gateway can allow it.</summary>
    public SubscriberTunnelKeys CreateKeys() =>
        new("", cjdns.Known?.Key is { } key ? new JsonObject { ["publicKey"] = key } : []);

    public SubscriberTunnelPlan PlanSubscriber(SubscriberTunnelInput input)
    {
        if (GatewayKey(input) is null)
            return SubscriberTunnelPlan.Fail("The gateway's reply has no valid cjdns public key");
        // The key must be the one of the node we asked: a hostile reply must not send our traffic to another node.
        if (!CjdnsAddress.ForKey(GatewayKey(input))!.Equals(input.GatewayMeshAddress))
            return SubscriberTunnelPlan.Fail($"The gateway's reply names the cjdns key of {CjdnsAddress.ForKey(GatewayKey(input))}, not of {input.GatewayMeshAddress}");
        if (input.Ipv4 is null && input.Ipv6 is null)
            return SubscriberTunnelPlan.Fail("The gateway's reply has no tunnel address");
        if (_tun is null)
            return SubscriberTunnelPlan.Fail("cjdroute's TUN is not known (its check failed)");
        // The routes come with the connection (SubscriberService routes through the shared TUN with the address as source).
        return new SubscriberTunnelPlan(true, null, HostState.Empty);
    }

    public async Task ConnectSubscriberAsync(SubscriberTunnelInput input, CancellationToken ct)
    {
        var key = GatewayKey(input) ?? throw new ArgumentException("no gateway key", nameof(input));
        var ipTunnel = cjdns.IpTunnel();
        // A connection to this gateway left from before (a crash) would compete for the addresses.
        await EndConnectionsToAsync(ipTunnel, key, ct);
        var number = await ipTunnel.ConnectToAsync(key, ct);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var connection = await ipTunnel.ShowConnectionAsync(number, ct);
            if (connection is { Ipv4: not null } or { Ipv6: not null })
            {
                if (!Equals(connection.Ipv4?.Address, input.Ipv4?.Address) || !Equals(connection.Ipv6?.Address, input.Ipv6?.Address))
                {
                    await ipTunnel.RemoveConnectionAsync(number, ct);
                    throw new IOException($"cjdroute got {connection.Ipv4?.Address} {connection.Ipv6?.Address} from the gateway, but its reply said {input.Ipv4?.Address} {input.Ipv6?.Address}");
                }
                log.LogInformation("cjdns: IpTunnel connection {Number} to {Gateway} has {Ipv4} {Ipv6} after {Ms} ms", number, input.GatewayMeshAddress,
                    connection.Ipv4?.Address, connection.Ipv6?.Address, clock.ElapsedMilliseconds);
                return;
            }
            if (connection is null || clock.Elapsed > _addressWait)
            {
                await ipTunnel.RemoveConnectionAsync(number, ct);
                throw new IOException(connection is null
                    ? "cjdroute dropped the IpTunnel connection before it got addresses"
                    : $"the gateway's cjdroute sent no addresses within {_addressWait.TotalSeconds:0} s (it has not allowed this node's key)");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }
    }

    public async Task DisconnectSubscriberAsync(SubscriberTunnelInput input, CancellationToken ct)
    {
        if (GatewayKey(input) is { } key)
            await EndConnectionsToAsync(cjdns.IpTunnel(), key, ct);
        // cjdroute leaves the addresses it set on its TUN: they go with the connection.
        var mine = new List<IPNetwork>();
        if (input.Ipv4 is { } v4)
            mine.Add(new IPNetwork(v4.Address, 32));
        if (input.Ipv6 is { } v6)
            mine.Add(new IPNetwork(v6.Address, 128));
        if (_tun is { } tun && mine.Count > 0)
            await platform.SetLinkAddressesAsync(tun.Name, [], mine, ct);
    }

    private async Task EndConnectionsToAsync(CjdnsIpTunnel ipTunnel, string key, CancellationToken ct)
    {
        foreach (var old in await ipTunnel.ConnectionsWithAsync(key, ct))
        {
            if (old.Outgoing)
                await ipTunnel.RemoveConnectionAsync(old.Number, ct);
        }
    }

    private static string? GatewayKey(SubscriberTunnelInput input) =>
        input.Tunnel["publicKey"] is JsonValue k && k.TryGetValue<string>(out var key) && CjdnsAddress.ForKey(key) is not null ? key : null;

    private IEnumerable<IPNetwork> Subnets()
    {
        if (pools?.Ipv4 is { } p4)
            yield return p4.Subnet;
        if (pools?.Ipv6 is { } p6)
            yield return p6.Subnet;
    }

    private bool InPools(CjdnsTunnelConnection c) =>
        Subnets().Any(n => (c.Ipv4 is { } a4 && n.Contains(a4.Address)) || (c.Ipv6 is { } a6 && n.Contains(a6.Address)));

    private static bool Matches(CjdnsTunnelConnection c, GatewaySession s) =>
        c.Key == s.TunnelState["publicKey"]?.GetValue<string>() && Equals(c.Ipv4?.Address, s.Ipv4) && Equals(c.Ipv6?.Address, s.Ipv6);
}
