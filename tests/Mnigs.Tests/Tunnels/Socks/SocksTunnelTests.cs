using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Core.Suites;
using Mnigs.Platform;
using Mnigs.Tests.TestSupport;
using Mnigs.Tunnels;
using Mnigs.Tunnels.Socks;

namespace Mnigs.Tests.Tunnels.Socks;

/// <summary>The socks tunnel's decisions on both halves, with fake service processes: nothing runs, nothing listens.</summary>
public sealed class SocksTunnelTests : IDisposable
{
    private static readonly IPAddress GatewayMesh = IPAddress.Parse("10.77.0.3");
    private static readonly IPAddress Alice = IPAddress.Parse("10.77.0.1");
    private static readonly IPAddress Bob = IPAddress.Parse("10.77.0.2");

    private readonly ScratchDirectory _dir = new("socks");
    private readonly FakeServiceProcesses _services = new();
    private readonly List<IPAddress> _meshAddresses = [GatewayMesh, IPAddress.Parse("fd77::3")];
    private string? _uplink = "uplink0";
    private Func<IPEndPoint, bool> _listening = _ => true;

    public void Dispose() => _dir.Dispose();

    private SocksTunnel Tunnel(TimeSpan? startTimeout = null) => new(
        new SocksOptions(1080, 12380, _dir.Path, () => _uplink, () => [.. _meshAddresses],
            program => program is "danted" or "redsocks" ? "/usr/sbin/" + program : null)
        {
            IsListening = e => _listening(e),
            StartTimeout = startTimeout ?? TimeSpan.FromSeconds(5),
        },
        _services, NullLogger<SocksTunnel>.Instance);

    private static GatewaySession Session(IPAddress mesh, string tunnel = "socks", string? sid = null) => new()
    {
        Sid = sid ?? "sid-" + mesh,
        MeshAddress = mesh,
        Suite = new Suite("babel", tunnel, "free"),
        TunnelState = [],
        CreatedAt = DateTimeOffset.UnixEpoch,
        ExpiresAt = DateTimeOffset.UnixEpoch.AddMinutes(5),
    };

    private static SubscriberTunnelInput Input(string iface = "mnabcds0", IPAddress? gateway = null, JsonObject? reply = null) =>
        new(iface, "", reply ?? new JsonObject { ["type"] = "socks", ["port"] = 1080 }, gateway ?? GatewayMesh, null, null, 1400);

    private string DantedConf => File.ReadAllText(Path.Combine(_dir.Path, "danted.conf"));

    private static HostFacts Facts(params string[] programs) => new(
        DefaultRouteInterface: "uplink0", KernelWireGuard: false, WireGuardGo: null, WireGuardTools: false, Nftables: true,
        SystemdResolved: false, Resolvers: [], Programs: programs.ToDictionary(p => p, p => "/usr/sbin/" + p));

    [Fact]
    public void It_is_available_only_with_danted_redsocks_and_nft_and_says_what_is_missing()
    {
        Assert.True(Tunnel().Check(Facts("danted", "redsocks")).Available);

        var none = Tunnel().Check(Facts());
        Assert.False(none.Available);
        Assert.Equal("dante-server (danted) and redsocks are not installed: the socks tunnel needs danted on a gateway, redsocks on a subscriber and nft on both", none.Message);
        var noNft = Tunnel().Check(Facts("danted", "redsocks") with { Nftables = false });
        Assert.Equal("nftables (nft) is not installed: the socks tunnel needs danted on a gateway, redsocks on a subscriber and nft on both", noNft.Message);
    }

    [Fact]
    public void It_runs_over_networks_with_IPv4_addresses_only()
    {
        var tunnel = Tunnel();

        Assert.True(tunnel.RunsOver("babel"));
        Assert.True(tunnel.RunsOver("layer2"));
        Assert.True(tunnel.RunsOver("batman-adv"));
        Assert.False(tunnel.RunsOver("cjdns"));
        Assert.False(tunnel.RunsOver("yggdrasil"));
    }

    [Fact]
    public void A_subscriber_asking_over_IPv4_is_admitted_with_nothing_to_keep_and_one_asking_over_IPv6_is_refused()
    {
        var tunnel = Tunnel();

        var v4 = tunnel.Admit(null, Alice);
        var mapped = tunnel.Admit(new JsonObject { ["publicKey"] = "ignored" }, Alice.MapToIPv6());
        var v6 = tunnel.Admit(null, IPAddress.Parse("fd77::1"));

        Assert.True(v4.Ok);
        Assert.Empty(v4.State);
        Assert.True(mapped.Ok);
        Assert.False(v6.Ok);
        Assert.Equal("The socks tunnel needs the subscriber to ask over IPv4 (redsocks reaches SOCKS servers over IPv4 only)", v6.Error);
    }

    [Fact]
    public void The_gateway_firewall_opens_the_socks_port_to_the_mesh_addresses_of_socks_sessions_only()
    {
        var state = Tunnel().GatewayState([Session(Bob), Session(Alice), Session(Alice, sid: "again"), Session(IPAddress.Parse("10.77.0.9"), "wireguard")]);

        Assert.Equal(1080, state.Firewall.Socks.GatewayPort);
        Assert.Equal<IPAddress>([Alice, Bob], state.Firewall.Socks.Clients);
        Assert.Empty(state.WireGuard);
        Assert.Empty(state.Routes);
        Assert.Null(state.Firewall.Socks.RedirectPort);
    }

    [Fact]
    public void The_reply_names_the_socks_port()
    {
        var reply = Tunnel().DescribeForSubscriber(Session(Alice), GatewayMesh);

        Assert.Equal("""{"type":"socks","port":1080}""", reply.ToJsonString());
    }

    [Fact]
    public async Task Danted_starts_with_the_first_session_admitting_its_address_and_nothing_else()
    {
        var tunnel = Tunnel();

        await tunnel.SyncGatewayAsync([], CancellationToken.None);
        Assert.Empty(_services.Started);

        await tunnel.SyncGatewayAsync([Session(Alice)], CancellationToken.None);

        var danted = Assert.Single(_services.Started);
        Assert.Equal(new ServiceSpec("danted", "/usr/sbin/danted", ["-f", Path.Combine(_dir.Path, "danted.conf")]).ToString(), danted.ToString());
        Assert.Contains("internal: 10.77.0.3 port = 1080\n", DantedConf);
        Assert.DoesNotContain("fd77::3", DantedConf);
        Assert.Contains("external: uplink0\n", DantedConf);
        Assert.Contains("client pass { from: 10.77.0.1/32 to: 0.0.0.0/0 log: error }\n", DantedConf);
        Assert.DoesNotContain("10.77.0.2", DantedConf);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir.Path, "danted.conf")));
    }

    [Fact]
    public async Task Sessions_coming_and_going_reload_danted_with_new_rules_and_the_last_one_leaving_stops_it()
    {
        var tunnel = Tunnel();
        await tunnel.SyncGatewayAsync([Session(Alice)], CancellationToken.None);

        await tunnel.SyncGatewayAsync([Session(Alice), Session(Bob)], CancellationToken.None);
        Assert.Contains("client pass { from: 10.77.0.2/32", DantedConf);
        Assert.Equal<string>(["danted"], _services.Reloaded);

        // The same sessions again (the periodic repair): nothing to tell danted.
        await tunnel.SyncGatewayAsync([Session(Alice), Session(Bob)], CancellationToken.None);
        Assert.Equal<string>(["danted"], _services.Reloaded);

        await tunnel.SyncGatewayAsync([Session(Bob)], CancellationToken.None);
        Assert.DoesNotContain("10.77.0.1/32", DantedConf);
        Assert.Equal<string>(["danted", "danted"], _services.Reloaded);
        Assert.Single(_services.Started);

        await tunnel.SyncGatewayAsync([Session(IPAddress.Parse("10.77.0.9"), "wireguard")], CancellationToken.None);
        Assert.Null(_services.Running("danted"));
        Assert.False(File.Exists(Path.Combine(_dir.Path, "danted.conf")));
    }

    [Fact]
    public async Task Danted_is_restarted_when_it_crashed_or_must_listen_elsewhere()
    {
        var tunnel = Tunnel();
        await tunnel.SyncGatewayAsync([Session(Alice)], CancellationToken.None);

        _services.Exit("danted");
        await tunnel.SyncGatewayAsync([Session(Alice)], CancellationToken.None);
        Assert.Equal(2, _services.Started.Length);

        _meshAddresses.Add(IPAddress.Parse("10.78.0.3"));
        await tunnel.SyncGatewayAsync([Session(Alice)], CancellationToken.None);
        Assert.Equal(3, _services.Started.Length);
        Assert.Contains("internal: 10.78.0.3 port = 1080\n", DantedConf);

        _uplink = "uplink1";
        await tunnel.SyncGatewayAsync([Session(Alice)], CancellationToken.None);
        Assert.Equal(4, _services.Started.Length);
        Assert.Contains("external: uplink1\n", DantedConf);
        Assert.Empty(_services.Reloaded);
    }

    [Fact]
    public async Task A_gateway_without_an_IPv4_mesh_address_or_an_uplink_says_so()
    {
        var tunnel = Tunnel();
        _meshAddresses.RemoveAll(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);

        var noAddress = await Assert.ThrowsAsync<InvalidOperationException>(() => tunnel.SyncGatewayAsync([Session(Alice)], CancellationToken.None));
        _meshAddresses.Add(GatewayMesh);
        _uplink = null;
        var noUplink = await Assert.ThrowsAsync<InvalidOperationException>(() => tunnel.SyncGatewayAsync([Session(Alice)], CancellationToken.None));

        Assert.Equal("This gateway has no IPv4 mesh address for danted to listen on (redsocks reaches SOCKS servers over IPv4 only)", noAddress.Message);
        Assert.Equal("danted has no uplink to connect out through: set [gateway] uplink or give this host a default route", noUplink.Message);
        Assert.Empty(_services.Started);
    }

    [Fact]
    public async Task A_danted_that_never_listens_is_reported_with_its_addresses()
    {
        _listening = _ => false;
        var tunnel = Tunnel(TimeSpan.FromMilliseconds(100));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => tunnel.SyncGatewayAsync([Session(Alice)], CancellationToken.None));

        Assert.Equal("danted did not listen on 10.77.0.3:1080 within 0.1 s (is the port in use?)", e.Message);
    }

    [Fact]
    public void A_reply_without_a_port_or_a_gateway_reached_over_IPv6_cannot_be_used()
    {
        var tunnel = Tunnel();

        var ok = tunnel.PlanSubscriber(Input());
        var noPort = tunnel.PlanSubscriber(Input(reply: new JsonObject { ["type"] = "socks", ["port"] = "1080; rm -rf" }));
        var v6 = tunnel.PlanSubscriber(Input(gateway: IPAddress.Parse("fd77::3")));

        Assert.True(ok.Ok);
        Assert.Equal(HostState.Empty, ok.State);
        Assert.Equal("The gateway's reply has no valid SOCKS port", noPort.Error);
        Assert.Equal("The socks tunnel reaches the gateway over IPv4 only (redsocks), and fd77::3 is not an IPv4 address", v6.Error);
    }

    [Fact]
    public async Task Each_connection_runs_its_own_redsocks_towards_the_address_the_gateway_was_reached_on()
    {
        var tunnel = Tunnel();
        // A hostile reply may name another host: only the port is taken from it.
        var reply = new JsonObject { ["type"] = "socks", ["port"] = 1081, ["endpoint"] = "203.0.113.66" };

        await tunnel.ConnectSubscriberAsync(Input("mnabcds0", reply: reply), CancellationToken.None);
        await tunnel.ConnectSubscriberAsync(Input("mnabcds1", IPAddress.Parse("10.77.0.7")), CancellationToken.None);

        var first = _services.Running("redsocks-mnabcds0")!;
        Assert.Equal("/usr/sbin/redsocks", first.Program);
        var config = File.ReadAllText(first.Arguments[1]);
        Assert.Contains("\tip = 10.77.0.3;\n\tport = 1081;\n", config);
        Assert.Contains("\tlocal_port = 12380;\n", config);
        Assert.DoesNotContain("203.0.113.66", config);
        Assert.Contains("\tlocal_port = 12381;\n", File.ReadAllText(_services.Running("redsocks-mnabcds1")!.Arguments[1]));

        await tunnel.DisconnectSubscriberAsync(Input("mnabcds0"), CancellationToken.None);
        Assert.Null(_services.Running("redsocks-mnabcds0"));
        Assert.False(File.Exists(first.Arguments[1]));
        // The freed port is the next connection's.
        await tunnel.ConnectSubscriberAsync(Input("mnabcds2"), CancellationToken.None);
        Assert.Contains("\tlocal_port = 12380;\n", File.ReadAllText(_services.Running("redsocks-mnabcds2")!.Arguments[1]));
    }

    [Fact]
    public async Task The_active_connection_routes_IPv4_to_lo_redirects_it_to_redsocks_and_asks_the_resolvers_over_tcp()
    {
        var tunnel = Tunnel();
        await tunnel.ConnectSubscriberAsync(Input(), CancellationToken.None);
        var usual = new HostState
        {
            Policy = new RoutingPolicy(65533, 5300, Ipv4: false, Ipv6: false),
            Dns = new DnsSpec([IPAddress.Parse("198.51.100.2")], "mnabcds0", "/etc/resolv.conf"),
        };

        var state = tunnel.RouteInternet(Input(), usual);

        Assert.Equal<RouteSpec>([new RouteSpec(IPNetwork.Parse("0.0.0.0/0"), "lo")], state.Routes);
        Assert.Equal(new RoutingPolicy(65533, 5300, Ipv4: true, Ipv6: false), state.Policy);
        Assert.True(state.Dns!.OverTcp);
        Assert.Equal<IPAddress>(usual.Dns.Servers, state.Dns.Servers);
        Assert.Equal(12380, state.Firewall.Socks.RedirectPort);
        Assert.Null(state.Firewall.Socks.GatewayPort);

        // A connection this node has no redsocks for changes nothing.
        Assert.Same(usual, tunnel.RouteInternet(Input("mnabcds1"), usual));
    }

    [Fact]
    public async Task A_connection_a_crash_left_behind_is_taken_down_though_nothing_of_it_is_left()
    {
        var tunnel = new SocksTunnel(new SocksOptions(1080, 12380, Path.Combine(_dir.Path, "never-written"), () => _uplink, () => [.. _meshAddresses], _ => null),
            _services, NullLogger<SocksTunnel>.Instance);

        await tunnel.DisconnectSubscriberAsync(Input(), CancellationToken.None);
        await tunnel.SyncGatewayAsync([], CancellationToken.None);

        Assert.Empty(_services.Started);
    }

    [Fact]
    public async Task A_redsocks_that_exits_at_start_fails_the_connection_in_words()
    {
        _listening = _ => false;
        var tunnel = Tunnel();
        var connecting = tunnel.ConnectSubscriberAsync(Input(), CancellationToken.None);
        await Task.Delay(50);
        _services.Exit("redsocks-mnabcds0");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => connecting);

        Assert.Equal("redsocks-mnabcds0 exited as it started (its messages are in the daemon's debug log)", e.Message);
    }
}
