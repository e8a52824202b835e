using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Core.Suites;
using Mnigs.Platform;
using Mnigs.Tests.TestSupport;
using Mnigs.Tunnels;
using Mnigs.Tunnels.Forward;

namespace Mnigs.Tests.Tunnels.Forward;

/// <summary>The forward tunnel's decisions on both halves, on the fake platform and a manual clock.</summary>
public sealed class ForwardTunnelTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress GatewayMesh = IPAddress.Parse("10.79.0.1");
    private static readonly IPAddress Alice = IPAddress.Parse("10.79.0.11");

    private readonly ManualTimeProvider _clock = new(T0);
    private readonly FakeHostPlatform _platform = new();

    private ForwardTunnel Tunnel(params string[] interfaces) => new(new ForwardOptions(interfaces.Length == 0 ? ["seg0"] : [.. interfaces]), _platform, _clock);

    private static GatewaySession Session(IPAddress mesh, TimeSpan lease, string tunnel = "forward", string? sid = null) => new()
    {
        Sid = sid ?? "sid-" + mesh,
        MeshAddress = mesh,
        Suite = new Suite("layer2", tunnel, "free"),
        TunnelState = [],
        CreatedAt = T0,
        ExpiresAt = T0 + lease,
    };

    private static SubscriberTunnelInput Input(string iface = "mnabcds0", IPAddress? gateway = null) =>
        new(iface, "", new JsonObject { ["type"] = "forward" }, gateway ?? GatewayMesh, null, null, 1400);

    private static readonly HostFacts Facts = new(
        DefaultRouteInterface: "uplink0", KernelWireGuard: false, WireGuardGo: null, WireGuardTools: false, Nftables: true, SystemdResolved: false, Resolvers: []);

    [Fact]
    public void It_is_available_with_nft_and_a_network_it_runs_over_and_says_why_not_otherwise()
    {
        Assert.True(Tunnel("seg0", "bat0").Check(Facts).Available);
        Assert.Equal("forwarding on seg0, bat0", Tunnel("seg0", "bat0").Check(Facts).Message);

        var noNft = Tunnel().Check(Facts with { Nftables = false });
        var noNetwork = new ForwardTunnel(new ForwardOptions([]), _platform, _clock).Check(Facts);

        Assert.False(noNft.Available);
        Assert.Equal("nftables is not installed (no nft): the forward tunnel's gateway rules need it", noNft.Message);
        Assert.False(noNetwork.Available);
        Assert.Equal("the forward tunnel runs over layer2 or batman-adv networks, and neither is enabled with its interface", noNetwork.Message);
    }

    [Fact]
    public void It_runs_over_layer2_and_batman_adv_only()
    {
        var tunnel = Tunnel();

        Assert.True(tunnel.RunsOver("layer2"));
        Assert.True(tunnel.RunsOver("batman-adv"));
        Assert.False(tunnel.RunsOver("babel"));
        Assert.False(tunnel.RunsOver("olsr"));
        Assert.False(tunnel.RunsOver("cjdns"));
    }

    [Fact]
    public void Any_subscriber_is_admitted_with_nothing_to_keep_and_the_reply_carries_only_the_type()
    {
        var tunnel = Tunnel();

        var admitted = tunnel.Admit(new JsonObject { ["anything"] = 1 }, IPAddress.Parse("fd79::11"));

        Assert.True(admitted.Ok);
        Assert.Empty(admitted.State);
        Assert.Equal("""{"type":"forward"}""", tunnel.DescribeForSubscriber(Session(Alice, TimeSpan.FromMinutes(5)), GatewayMesh).ToJsonString());
    }

    [Fact]
    public void The_gateway_forwards_the_mesh_address_of_each_live_forward_session_for_the_time_its_lease_has_left()
    {
        var tunnel = Tunnel("seg0", "bat0");
        _clock.Advance(TimeSpan.FromSeconds(100));

        var state = tunnel.GatewayState(
        [
            Session(Alice, TimeSpan.FromSeconds(300)),
            Session(IPAddress.Parse("10.79.0.12").MapToIPv6(), TimeSpan.FromSeconds(160)),
            Session(IPAddress.Parse("10.79.0.13"), TimeSpan.FromSeconds(100)),
            Session(IPAddress.Parse("10.79.0.14"), TimeSpan.FromSeconds(300), "wireguard"),
        ]);

        Assert.Equal<string>(["seg0", "bat0"], state.Firewall.Forward.MeshInterfaces);
        Assert.Equal<ForwardSource>(
            [new ForwardSource(Alice, TimeSpan.FromSeconds(200)), new ForwardSource(IPAddress.Parse("10.79.0.12"), TimeSpan.FromSeconds(60))],
            state.Firewall.Forward.Sources);
        Assert.Empty(state.Routes);
        Assert.Empty(state.WireGuard);
    }

    [Fact]
    public void With_no_forward_session_the_mesh_is_still_kept_from_the_uplink()
    {
        var state = Tunnel().GatewayState([Session(Alice, TimeSpan.FromSeconds(300), "wireguard")]);

        Assert.Empty(state.Firewall.Forward.Sources);
        Assert.Equal<string>(["seg0"], state.Firewall.Forward.MeshInterfaces);
        Assert.False(state.Firewall.IsEmpty);
    }

    [Fact]
    public async Task The_active_connection_routes_via_the_gateway_on_the_interface_it_is_directly_reachable_on()
    {
        var tunnel = Tunnel();
        _platform.Route = a => a.Equals(GatewayMesh) ? new RouteHop("seg0", null) : null;
        Assert.True(tunnel.PlanSubscriber(Input()).Ok);
        await tunnel.ConnectSubscriberAsync(Input(), CancellationToken.None);
        var usual = new HostState
        {
            Policy = new RoutingPolicy(65533, 5300, Ipv4: false, Ipv6: false),
            Dns = new DnsSpec([IPAddress.Parse("198.51.100.2")], "mnabcds0", "/etc/resolv.conf"),
        };

        var state = tunnel.RouteInternet(Input(), usual);

        Assert.Equal<RouteSpec>([new RouteSpec(IPNetwork.Parse("0.0.0.0/0"), "seg0", Via: GatewayMesh)], state.Routes);
        Assert.Equal(new RoutingPolicy(65533, 5300, Ipv4: true, Ipv6: false), state.Policy);
        Assert.Same(usual.Dns, state.Dns);
        Assert.True(state.Firewall.IsEmpty);

        await tunnel.DisconnectSubscriberAsync(Input(), CancellationToken.None);
        Assert.Same(usual, tunnel.RouteInternet(Input(), usual));
    }

    [Fact]
    public async Task An_IPv6_gateway_gets_the_IPv6_default_route()
    {
        var gateway = IPAddress.Parse("fd79::1");
        var tunnel = Tunnel();
        _platform.Route = _ => new RouteHop("bat0", null);
        await tunnel.ConnectSubscriberAsync(Input(gateway: gateway), CancellationToken.None);

        var state = tunnel.RouteInternet(Input(gateway: gateway), new HostState { Policy = new RoutingPolicy(65533, 5300, false, false) });

        Assert.Equal<RouteSpec>([new RouteSpec(IPNetwork.Parse("::/0"), "bat0", Via: gateway)], state.Routes);
        Assert.Equal(new RoutingPolicy(65533, 5300, Ipv4: false, Ipv6: true), state.Policy);
    }

    [Fact]
    public async Task A_gateway_that_is_not_one_hop_away_is_refused_in_words()
    {
        var tunnel = Tunnel();
        _platform.Route = _ => new RouteHop("mesh0", IPAddress.Parse("fe80::2"));
        var routed = await Assert.ThrowsAsync<InvalidOperationException>(() => tunnel.ConnectSubscriberAsync(Input(), CancellationToken.None));
        _platform.Route = _ => null;
        var unroutable = await Assert.ThrowsAsync<InvalidOperationException>(() => tunnel.ConnectSubscriberAsync(Input(), CancellationToken.None));
        _platform.Route = _ => new RouteHop("lo", null);
        var own = await Assert.ThrowsAsync<InvalidOperationException>(() => tunnel.ConnectSubscriberAsync(Input(), CancellationToken.None));

        Assert.Equal("The gateway 10.79.0.1 is not one hop away (the route to it goes via fe80::2 on mesh0): the forward tunnel needs the gateway on this node's layer-2 segment or batman-adv mesh", routed.Message);
        Assert.Equal("There is no route to the gateway 10.79.0.1", unroutable.Message);
        Assert.Equal("10.79.0.1 is an address of this node", own.Message);
        Assert.Empty(tunnel.RouteInternet(Input(), HostState.Empty).Routes);
    }
}
