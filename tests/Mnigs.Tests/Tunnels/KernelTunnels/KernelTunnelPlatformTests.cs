using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Host;
using Mnigs.Platform;
using Mnigs.Tests.Platform;
using Mnigs.Tests.TestSupport;
using Mnigs.Tunnels;
using Mnigs.Tunnels.KernelTunnels;

namespace Mnigs.Tests.Tunnels.KernelTunnels;

/// <summary>The iproute2 operations the ipip and gre tunnels come to, through the Linux platform on a scripted host.</summary>
public sealed class KernelTunnelPlatformTests : IDisposable
{
    private readonly PlatformScenario _scenario = new();

    public void Dispose() => _scenario.Dispose();

    /// <summary>The gateway's link to one subscriber, as <c>ip -j -d addr show dev</c> prints it once made.</summary>
    private const string GatewayLinkJson =
        """[{"ifindex":7,"ifname":"mnt3fa2g10","flags":["POINTOPOINT","NOARP","UP","LOWER_UP"],"mtu":1480,"qdisc":"noqueue","operstate":"UNKNOWN","group":"default","txqlen":1000,"link_type":"ipip","address":"10.77.0.3","link_pointtopoint":true,"broadcast":"10.77.0.1","promiscuity":0,"min_mtu":0,"max_mtu":65515,"linkinfo":{"info_kind":"ipip","info_data":{"proto":"ipip","remote":"10.77.0.1","local":"10.77.0.3","ttl":0,"pmtudisc":true}},"addr_info":[{"family":"inet","local":"10.205.0.1","address":"10.205.0.2","prefixlen":32,"scope":"global","label":"mnt3fa2g10","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]""";

    private static HostState GatewayState(IPAddress? remote = null) => new()
    {
        KernelTunnels =
        [
            new KernelTunnelLink("mnt3fa2g10", "ipip", IPAddress.Parse("10.77.0.3"), remote ?? IPAddress.Parse("10.77.0.1"),
                [new TunnelAddress(InterfaceAddress.Parse("10.205.0.1/32"), IPAddress.Parse("10.205.0.2"))]),
        ],
    };

    private void GatewayLinkInPlace() =>
        _scenario.Host
            .Answer("ip -j addr show", PlatformScenario.LoopbackOnly[..^1] + "," + GatewayLinkJson[1..])
            .Answer("ip -j -d addr show dev mnt3fa2g10", GatewayLinkJson);

    [Fact]
    public async Task The_gateway_link_is_made_from_its_mesh_address_to_the_subscriber_with_a_point_to_point_address()
    {
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(GatewayState(), CancellationToken.None);

        Assert.Equal(
        [
            "ip link add mnt3fa2g10 type ipip local 10.77.0.3 remote 10.77.0.1",
            "ip addr replace 10.205.0.1 peer 10.205.0.2/32 dev mnt3fa2g10",
            "ip link set mnt3fa2g10 up",
        ], _scenario.Host.Changes);
    }

    [Fact]
    public async Task Over_ipv6_mesh_addresses_ip6tnl_is_made_in_mode_any_and_gre_as_ip6gre()
    {
        using var platform = _scenario.NewPlatform();
        var state = new HostState
        {
            KernelTunnels =
            [
                new KernelTunnelLink("mnt3fa2g10", "ip6tnl", IPAddress.Parse("fd77::3"), IPAddress.Parse("fd77::1"),
                    [new TunnelAddress(InterfaceAddress.Parse("10.205.0.1/32"), IPAddress.Parse("10.205.0.2"))]),
                new KernelTunnelLink("mnt3fa2g11", "ip6gre", IPAddress.Parse("fd77::3"), IPAddress.Parse("fd77::9"),
                    [new TunnelAddress(InterfaceAddress.Parse("fd6d:6e69:6777::1/128"), IPAddress.Parse("fd6d:6e69:6777::2"))], Mtu: 1400),
            ],
        };

        await platform.ApplyAsync(state, CancellationToken.None);

        Assert.Equal(
        [
            "ip link add mnt3fa2g10 type ip6tnl mode any local fd77::3 remote fd77::1",
            "ip addr replace 10.205.0.1 peer 10.205.0.2/32 dev mnt3fa2g10",
            "ip link set mnt3fa2g10 up",
            "ip link add mnt3fa2g11 type ip6gre local fd77::3 remote fd77::9",
            "ip addr replace fd6d:6e69:6777::1 peer fd6d:6e69:6777::2/128 dev mnt3fa2g11",
            "ip link set mnt3fa2g11 mtu 1400 up",
        ], _scenario.Host.Changes);
    }

    [Fact]
    public async Task The_subscriber_link_goes_to_the_gateway_and_carries_the_default_route_in_mnigs_table()
    {
        using var platform = _scenario.NewPlatform();
        var tunnel = KernelTunnelTests.Tunnel(KernelTunnelKind.Gre);
        var input = new SubscriberTunnelInput("mnt3fa2s0", "", new JsonObject { ["type"] = "gre", ["endpoint"] = "10.77.0.3" },
            IPAddress.Parse("10.77.0.3"), InterfaceAddress.Parse("10.206.0.2/24"), InterfaceAddress.Parse("fd6d:6e69:6777::2/64"), 1400);
        var plan = tunnel.PlanSubscriber(input);
        var state = plan.State with
        {
            Routes = [new RouteSpec(IPNetwork.Parse("0.0.0.0/0"), "mnt3fa2s0"), new RouteSpec(IPNetwork.Parse("::/0"), "mnt3fa2s0")],
            Policy = new RoutingPolicy(5151, 5200),
        };

        await platform.ApplyAsync(state, CancellationToken.None);

        Assert.Equal(
        [
            "ip link add mnt3fa2s0 type gre remote 10.77.0.3",
            "ip addr replace 10.206.0.2/24 dev mnt3fa2s0",
            "ip addr replace fd6d:6e69:6777::2/64 dev mnt3fa2s0",
            "ip link set mnt3fa2s0 mtu 1400 up",
            "ip -4 route replace 0.0.0.0/0 dev mnt3fa2s0 table 5151",
            "ip -6 route replace ::/0 dev mnt3fa2s0 table 5151",
            "ip -4 rule add priority 5200 lookup main suppress_prefixlength 0",
            "ip -4 rule add priority 5201 lookup 5151",
            "ip -6 rule add priority 5200 lookup main suppress_prefixlength 0",
            "ip -6 rule add priority 5201 lookup 5151",
        ], _scenario.Host.Changes);
    }

    [Fact]
    public async Task A_link_in_place_as_wanted_is_left_alone()
    {
        GatewayLinkInPlace();
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(GatewayState(), CancellationToken.None);

        Assert.Empty(_scenario.Host.Changes);
        Assert.Contains("ip -j -d addr show dev mnt3fa2g10", _scenario.Host.CommandLines);
    }

    [Fact]
    public async Task A_link_to_another_subscriber_address_is_made_anew()
    {
        GatewayLinkInPlace();
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(GatewayState(IPAddress.Parse("10.77.0.9")), CancellationToken.None);

        Assert.Equal(
        [
            "ip link del mnt3fa2g10",
            "ip link add mnt3fa2g10 type ipip local 10.77.0.3 remote 10.77.0.9",
            "ip addr replace 10.205.0.1 peer 10.205.0.2/32 dev mnt3fa2g10",
            "ip link set mnt3fa2g10 up",
        ], _scenario.Host.Changes);
    }

    [Fact]
    public async Task A_changed_session_address_is_moved_in_place()
    {
        GatewayLinkInPlace();
        using var platform = _scenario.NewPlatform();
        var state = GatewayState();
        var moved = state with { KernelTunnels = [state.KernelTunnels[0] with { Addresses = [new TunnelAddress(InterfaceAddress.Parse("10.205.0.1/32"), IPAddress.Parse("10.205.0.7"))] }] };

        await platform.ApplyAsync(moved, CancellationToken.None);

        Assert.Equal(
        [
            "ip addr replace 10.205.0.1 peer 10.205.0.7/32 dev mnt3fa2g10",
            "ip addr del 10.205.0.1 peer 10.205.0.2/32 dev mnt3fa2g10",
        ], _scenario.Host.Changes);
    }

    [Fact]
    public async Task A_released_sessions_link_is_deleted_and_cleanup_finds_a_leftover()
    {
        GatewayLinkInPlace();
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(HostState.Empty, CancellationToken.None);
        var applied = _scenario.Host.Changes.ToList();
        _scenario.Host.ForgetCalls();
        await platform.CleanupAsync(CancellationToken.None);

        Assert.Equal(["ip link del mnt3fa2g10"], applied);
        Assert.Contains("ip link del mnt3fa2g10", _scenario.Host.Changes);
    }

    [Fact]
    public async Task A_kernel_tunnel_beside_a_wireguard_interface_is_not_taken_for_an_unwanted_link()
    {
        GatewayLinkInPlace();
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(GatewayState() with { WireGuard = PlatformScenario.Subscriber().WireGuard }, CancellationToken.None);

        Assert.DoesNotContain("ip link del mnt3fa2g10", _scenario.Host.Changes);
        Assert.Contains("/usr/bin/wireguard-go mnt3fa2s0", _scenario.Host.Changes);
    }

    [Theory]
    [InlineData("mnt3fa2x10", "ipip", "10.77.0.3", "10.77.0.1", "not named like Mnigs' own")]
    [InlineData("mnt3fa2g10", "sit", "10.77.0.3", "10.77.0.1", "has kind 'sit'")]
    [InlineData("mnt3fa2g10", "ip6gre", "10.77.0.3", "10.77.0.1", "needs IPv6 endpoints")]
    [InlineData("mnt3fa2g10", "gre", "fd77::3", "10.77.0.1", "needs IPv4 endpoints")]
    public async Task Links_cleanup_could_not_find_or_the_kernel_would_refuse_are_refused_before_any_change(string name, string kind, string local, string remote, string error)
    {
        using var platform = _scenario.NewPlatform();
        var state = new HostState { KernelTunnels = [new KernelTunnelLink(name, kind, IPAddress.Parse(local), IPAddress.Parse(remote), [])] };

        var e = await Assert.ThrowsAsync<ArgumentException>(() => platform.ApplyAsync(state, CancellationToken.None));

        Assert.Contains(error, e.Message);
        Assert.Empty(_scenario.Host.Changes);
    }

    [Fact]
    public async Task Without_kernel_tunnels_facts_say_so_after_one_probe_of_each_kind()
    {
        using var platform = _scenario.NewPlatform();

        var first = await platform.ReadFactsAsync(CancellationToken.None);
        var second = await platform.ReadFactsAsync(CancellationToken.None);

        Assert.Empty(first.TunnelKinds!);
        Assert.Empty(second.TunnelKinds!);
        Assert.Equal(
        [
            "ip link add mntprobe0 type ipip",
            "ip link add mntprobe0 type gre",
            "ip link add mntprobe0 type ip6tnl",
            "ip link add mntprobe0 type ip6gre",
        ], _scenario.Host.Changes.Where(c => !c.Contains("wireguard")));
    }

    [Fact]
    public async Task A_kind_the_kernel_makes_is_probed_with_a_throwaway_link()
    {
        _scenario.Host.Answer("ip link add mntprobe0 type gre", CommandResult.Ok);
        using var platform = _scenario.NewPlatform();

        var facts = await platform.ReadFactsAsync(CancellationToken.None);

        Assert.Equal(["gre"], facts.TunnelKinds);
        Assert.Equal(
        [
            "ip link add mntprobe0 type ipip",
            "ip link add mntprobe0 type gre",
            "ip link del mntprobe0",
            "ip link add mntprobe0 type ip6tnl",
            "ip link add mntprobe0 type ip6gre",
        ], _scenario.Host.Changes.Where(c => !c.Contains("wireguard")));
    }

    [Fact]
    public async Task A_gateway_without_kernel_tunnels_does_not_advertise_them_and_status_says_why()
    {
        var names = new KernelTunnelNames("mn", "3fa2");
        var ipip = new KernelTunnel(new KernelTunnelOptions(KernelTunnelKind.Ipip, KernelTunnelTests.IpipPools(), 0, names, _ => []));
        var gre = new KernelTunnel(new KernelTunnelOptions(KernelTunnelKind.Gre, KernelTunnelTests.GrePools(), 0, names, _ => []));
        await using var rig = await DaemonRig.StartAsync(facts: DaemonRig.GatewayFacts with { TunnelKinds = [] }, extraTunnels: [ipip, gre],
            extraPools: new Dictionary<string, Core.Gateway.TunnelPools> { ["ipip"] = KernelTunnelTests.IpipPools(), ["gre"] = KernelTunnelTests.GrePools() });

        var info = await rig.CallAsync("nodeInfo", null, IPAddress.Parse("fd00::9"));
        var status = await rig.CallAsync("status", null, IPAddress.Loopback);
        var refused = await rig.CallAsync("requestConnection", new JsonObject { ["method"] = "babel-ipip-free" }, IPAddress.Parse("fd00::9"));

        Assert.Equal(["babel-wireguard-free"], info["suites"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));
        var tunnels = status["tunnels"]!.AsArray();
        Assert.Equal("this kernel has no ipip module (modprobe ipip) and no ip6_tunnel module (modprobe ip6_tunnel); restart mnigsd after loading one",
            tunnels.Single(t => t!["name"]!.GetValue<string>() == "ipip")!["message"]!.GetValue<string>());
        Assert.False(tunnels.Single(t => t!["name"]!.GetValue<string>() == "gre")!["available"]!.GetValue<bool>());
        Assert.Equal("Suite not supported", refused["errorMsg"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_gateway_with_kernel_tunnels_serves_a_session_with_its_own_link_and_removes_it_on_release()
    {
        var names = new KernelTunnelNames("mn", "3fa2");
        var ipip = new KernelTunnel(new KernelTunnelOptions(KernelTunnelKind.Ipip, KernelTunnelTests.IpipPools(), 0, names, _ => [IPAddress.Parse("fd00::1")]));
        await using var rig = await DaemonRig.StartAsync(facts: DaemonRig.GatewayFacts with { TunnelKinds = ["ipip", "ip6tnl"] }, extraTunnels: [ipip],
            extraPools: new Dictionary<string, Core.Gateway.TunnelPools> { ["ipip"] = KernelTunnelTests.IpipPools() });
        var caller = IPAddress.Parse("fd00::9");

        var reply = await rig.CallAsync("requestConnection", new JsonObject { ["method"] = "babel-ipip-free", ["options"] = new JsonObject() }, caller);
        var link = Assert.Single(rig.Platform.Current.KernelTunnels);
        var firewall = rig.Platform.Current.Firewall;
        await rig.CallAsync("releaseConnection", new JsonObject { ["sid"] = reply["sid"]!.GetValue<string>() }, caller);

        Assert.Equal("""{"type":"ipip","kind":"ip6tnl","endpoint":"fd00::1","mtu":1460}""", reply["tunnel"]!.ToJsonString());
        Assert.Equal("10.205.0.2", reply["ipv4"]!.GetValue<string>());
        Assert.Null(reply["ipv6"]);
        Assert.Equal("mn3fa2g10 ip6tnl local=fd00::1 remote=fd00::9 mtu= addrs=[10.205.0.1 peer 10.205.0.2/32]", link.ToString());
        Assert.Contains("mn3fa2g10", firewall.SubscriberInterfaces);
        Assert.Contains(IPNetwork.Parse("10.205.0.0/24"), firewall.MasqueradeSources);
        Assert.Empty(rig.Platform.Current.KernelTunnels);
    }
}
