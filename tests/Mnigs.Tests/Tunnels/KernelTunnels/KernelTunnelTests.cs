using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Core.Suites;
using Mnigs.Platform;
using Mnigs.Tunnels;
using Mnigs.Tunnels.KernelTunnels;

namespace Mnigs.Tests.Tunnels.KernelTunnels;

public sealed class KernelTunnelTests
{
    private static readonly IPAddress GatewayMesh4 = IPAddress.Parse("10.77.0.3");
    private static readonly IPAddress GatewayMesh6 = IPAddress.Parse("fd77::3");

    internal static HostFacts FactsWith(params string[] kinds) => new(
        DefaultRouteInterface: "uplink0", KernelWireGuard: false, WireGuardGo: "/usr/bin/wireguard-go",
        WireGuardTools: true, Nftables: true, SystemdResolved: false, Resolvers: [], TunnelKinds: kinds);

    internal static TunnelPools IpipPools() => new(new AddressPool(IPNetwork.Parse("10.205.0.0/24")), null);

    internal static TunnelPools GrePools() =>
        new(new AddressPool(IPNetwork.Parse("10.206.0.0/24")), new AddressPool(IPNetwork.Parse("fd6d:6e69:6777::/64")));

    internal static KernelTunnel Tunnel(KernelTunnelKind kind, KernelTunnelNames? names = null, int mtu = 0, params string[] kinds)
    {
        var tunnel = new KernelTunnel(new KernelTunnelOptions(kind, kind == KernelTunnelKind.Ipip ? IpipPools() : GrePools(), mtu,
            names ?? new KernelTunnelNames("mn", "3fa2"), network => network == "babel" ? [GatewayMesh6, GatewayMesh4] : []));
        tunnel.Check(FactsWith(kinds.Length > 0 ? kinds : ["ipip", "gre", "ip6tnl", "ip6gre"]));
        return tunnel;
    }

    internal static GatewaySession Session(string sid, string tunnel, string mesh, string? v4, string? v6 = null, string network = "babel") => new()
    {
        Sid = sid,
        MeshAddress = IPAddress.Parse(mesh),
        Suite = new Suite(network, tunnel, "free"),
        Ipv4 = v4 is null ? null : IPAddress.Parse(v4),
        Ipv6 = v6 is null ? null : IPAddress.Parse(v6),
        TunnelState = new JsonObject { ["remote"] = mesh },
        CreatedAt = DateTimeOffset.UnixEpoch,
        ExpiresAt = DateTimeOffset.UnixEpoch.AddMinutes(5),
    };

    private static SubscriberTunnelInput Input(JsonObject reply, IPAddress gateway, bool v6 = false) => new(
        "mn3fa2s0", "", reply, gateway,
        InterfaceAddress.Parse("10.205.0.2/24"),
        v6 ? InterfaceAddress.Parse("fd6d:6e69:6777::2/64") : null,
        1400);

    [Fact]
    public void Without_the_kernel_modules_ipip_is_unavailable_and_says_what_to_load()
    {
        var tunnel = new KernelTunnel(new KernelTunnelOptions(KernelTunnelKind.Ipip, IpipPools(), 0, new KernelTunnelNames("mn", "3fa2"), _ => []));

        var health = tunnel.Check(FactsWith());

        Assert.False(health.Available);
        Assert.Equal("this kernel has no ipip module (modprobe ipip) and no ip6_tunnel module (modprobe ip6_tunnel); restart mnigsd after loading one", health.Message);
    }

    [Fact]
    public void Without_the_kernel_modules_gre_is_unavailable_and_says_what_to_load()
    {
        var tunnel = new KernelTunnel(new KernelTunnelOptions(KernelTunnelKind.Gre, GrePools(), 0, new KernelTunnelNames("mn", "3fa2"), _ => []));

        var health = tunnel.Check(FactsWith("ipip", "ip6tnl"));

        Assert.False(health.Available);
        Assert.Equal("this kernel has no ip_gre module (modprobe ip_gre) and no ip6_gre module (modprobe ip6_gre); restart mnigsd after loading one", health.Message);
    }

    [Fact]
    public void Unprobed_facts_count_as_no_kernel_support()
    {
        var tunnel = new KernelTunnel(new KernelTunnelOptions(KernelTunnelKind.Gre, GrePools(), 0, new KernelTunnelNames("mn", "3fa2"), _ => []));

        Assert.False(tunnel.Check(FactsWith() with { TunnelKinds = null }).Available);
    }

    [Fact]
    public void With_ipip_alone_the_tunnel_serves_ipv4_mesh_addresses_and_refuses_ipv6_callers_plainly()
    {
        var tunnel = Tunnel(KernelTunnelKind.Ipip, kinds: ["ipip"]);

        var health = tunnel.Check(FactsWith("ipip"));
        var v6 = tunnel.Admit(null, IPAddress.Parse("fd77::1"));
        var v4 = tunnel.Admit(null, IPAddress.Parse("10.77.0.1"));

        Assert.True(health.Available);
        Assert.Equal("kernel ipip over IPv4 mesh addresses only: this kernel has no ip6_tunnel module (modprobe ip6_tunnel)", health.Message);
        Assert.False(v6.Ok);
        Assert.Equal("This gateway's kernel has no ip6_tunnel module, so it cannot run ipip to fd77::1; reach it on its IPv4 mesh address", v6.Error);
        Assert.True(v4.Ok);
        Assert.Equal("""{"remote":"10.77.0.1"}""", v4.State.ToJsonString());
    }

    [Fact]
    public void Each_session_gets_its_own_link_from_this_nodes_address_on_its_network_to_the_subscriber()
    {
        var tunnel = Tunnel(KernelTunnelKind.Ipip);

        var state = tunnel.GatewayState([
            Session("s1", "ipip", "10.77.0.1", "10.205.0.2"),
            Session("s2", "ipip", "fd77::9", "10.205.0.3"),
            Session("w1", "wireguard", "10.77.0.8", "10.201.0.2"),
        ]);

        Assert.Equal(
        [
            new KernelTunnelLink("mn3fa2g10", "ipip", GatewayMesh4, IPAddress.Parse("10.77.0.1"),
                [new TunnelAddress(InterfaceAddress.Parse("10.205.0.1/32"), IPAddress.Parse("10.205.0.2"))]),
            new KernelTunnelLink("mn3fa2g11", "ip6tnl", GatewayMesh6, IPAddress.Parse("fd77::9"),
                [new TunnelAddress(InterfaceAddress.Parse("10.205.0.1/32"), IPAddress.Parse("10.205.0.3"))]),
        ], state.KernelTunnels, new LinkComparer());
        Assert.Equal(["mn3fa2g10", "mn3fa2g11"], tunnel.GatewayInterfaces);
        Assert.Empty(state.WireGuard);
    }

    [Fact]
    public void Gre_links_carry_the_sessions_ipv6_address_too_and_take_the_configured_mtu()
    {
        var tunnel = Tunnel(KernelTunnelKind.Gre, mtu: 1400);

        var link = Assert.Single(tunnel.GatewayState([Session("s1", "gre", "10.77.0.1", "10.206.0.2", "fd6d:6e69:6777::2")]).KernelTunnels);

        Assert.Equal("gre", link.Kind);
        Assert.Equal(1400, link.Mtu);
        Assert.Equal(
            new TunnelAddress[]
            {
                new(InterfaceAddress.Parse("10.206.0.1/32"), IPAddress.Parse("10.206.0.2")),
                new(InterfaceAddress.Parse("fd6d:6e69:6777::1/128"), IPAddress.Parse("fd6d:6e69:6777::2")),
            }, link.Addresses.ToArray());
    }

    [Fact]
    public void A_session_keeps_its_link_name_while_it_lives_and_a_freed_name_is_given_again()
    {
        var names = new KernelTunnelNames("mn", "3fa2");
        var ipip = Tunnel(KernelTunnelKind.Ipip, names);
        var gre = Tunnel(KernelTunnelKind.Gre, names);
        var a = Session("a", "ipip", "10.77.0.1", "10.205.0.2");
        var b = Session("b", "ipip", "10.77.0.4", "10.205.0.3");
        var c = Session("c", "gre", "10.77.0.5", "10.206.0.2");

        ipip.GatewayState([a, b]);
        var greFirst = gre.GatewayState([a, b, c]);
        var afterRelease = ipip.GatewayState([b, c]);
        var greAfter = gre.GatewayState([b, c]);
        var d = Session("d", "gre", "10.77.0.6", "10.206.0.3");
        var greNext = gre.GatewayState([b, c, d]);

        Assert.Equal("mn3fa2g12", greFirst.KernelTunnels.Single().Name);
        Assert.Equal("mn3fa2g11", afterRelease.KernelTunnels.Single().Name);
        Assert.Equal("mn3fa2g12", greAfter.KernelTunnels.Single().Name);
        Assert.Equal(["mn3fa2g12", "mn3fa2g10"], greNext.KernelTunnels.Select(l => l.Name));
    }

    [Fact]
    public void When_every_link_name_is_taken_a_new_session_is_refused()
    {
        var names = new KernelTunnelNames("mn", "3fa2");
        var tunnel = Tunnel(KernelTunnelKind.Ipip, names);
        var sessions = Enumerable.Range(0, KernelTunnelNames.Capacity)
            .Select(i => Session($"s{i}", "ipip", $"10.77.1.{i + 1}", $"10.205.0.{i + 2}")).ToList();
        tunnel.GatewayState(sessions);

        var admission = tunnel.Admit(null, IPAddress.Parse("10.77.2.1"));

        Assert.False(admission.Ok);
        Assert.Equal("This gateway has no free interface name for another ipip link (90 at most)", admission.Error);
        Assert.Equal("mn3fa2g99", tunnel.GatewayInterfaces[^1]);
    }

    [Fact]
    public async Task Names_of_ended_sessions_are_free_again_once_the_last_session_is_gone()
    {
        var tunnel = Tunnel(KernelTunnelKind.Ipip);
        tunnel.GatewayState([.. Enumerable.Range(0, KernelTunnelNames.Capacity).Select(i => Session($"s{i}", "ipip", $"10.77.1.{i + 1}", $"10.205.0.{i + 2}"))]);

        // Without sessions the gateway asks for no host state, but tells every tunnel its (empty) sessions.
        await tunnel.SyncGatewayAsync([], CancellationToken.None);

        Assert.True(tunnel.Admit(null, IPAddress.Parse("10.77.2.1")).Ok);
        Assert.Empty(tunnel.GatewayInterfaces);
    }

    [Fact]
    public void The_reply_names_the_kind_the_gateways_end_and_the_mtu()
    {
        var tunnel = Tunnel(KernelTunnelKind.Gre);

        var v4 = tunnel.DescribeForSubscriber(Session("s1", "gre", "10.77.0.1", "10.206.0.2"), GatewayMesh4);
        var v6 = tunnel.DescribeForSubscriber(Session("s2", "gre", "fd77::1", "10.206.0.3"), GatewayMesh6);

        Assert.Equal("""{"type":"gre","kind":"gre","endpoint":"10.77.0.3","mtu":1476}""", v4.ToJsonString());
        Assert.Equal("""{"type":"gre","kind":"ip6gre","endpoint":"fd77::3","mtu":1456}""", v6.ToJsonString());
    }

    [Fact]
    public void The_subscriber_links_to_the_address_it_reached_the_gateway_on()
    {
        var tunnel = Tunnel(KernelTunnelKind.Ipip);

        var plan = tunnel.PlanSubscriber(Input(new JsonObject { ["type"] = "ipip", ["kind"] = "ipip", ["endpoint"] = "10.77.0.3", ["mtu"] = 1480 }, GatewayMesh4));

        Assert.True(plan.Ok, plan.Error);
        var link = Assert.Single(plan.State.KernelTunnels);
        Assert.Equal(new KernelTunnelLink("mn3fa2s0", "ipip", null, GatewayMesh4, [new TunnelAddress(InterfaceAddress.Parse("10.205.0.2/24"))], 1400),
            link, new LinkComparer());
    }

    [Fact]
    public void A_reply_whose_endpoint_is_not_the_gateway_we_asked_is_refused()
    {
        var tunnel = Tunnel(KernelTunnelKind.Ipip);

        var plan = tunnel.PlanSubscriber(Input(new JsonObject { ["type"] = "ipip", ["endpoint"] = "10.77.0.66" }, GatewayMesh4));

        Assert.False(plan.Ok);
        Assert.Equal("The gateway's ipip link would come from 10.77.0.66, not from 10.77.0.3 where this node reached it", plan.Error);
    }

    [Fact]
    public void Ipip_over_ipv4_refuses_a_reply_with_an_ipv6_address_and_over_ipv6_carries_it()
    {
        var tunnel = Tunnel(KernelTunnelKind.Ipip);

        var over4 = tunnel.PlanSubscriber(Input(new JsonObject { ["type"] = "ipip" }, GatewayMesh4, v6: true));
        var over6 = tunnel.PlanSubscriber(Input(new JsonObject { ["type"] = "ipip" }, GatewayMesh6, v6: true));

        Assert.Equal("The gateway's reply has an IPv6 tunnel address, but ipip over IPv4 carries IPv4 only", over4.Error);
        Assert.True(over6.Ok, over6.Error);
        Assert.Equal("ip6tnl", over6.State.KernelTunnels.Single().Kind);
        Assert.Equal(2, over6.State.KernelTunnels.Single().Addresses.Length);
    }

    [Fact]
    public void A_subscriber_whose_kernel_lacks_the_kind_says_which_module()
    {
        var tunnel = Tunnel(KernelTunnelKind.Gre, kinds: ["gre"]);

        var plan = tunnel.PlanSubscriber(Input(new JsonObject { ["type"] = "gre" }, GatewayMesh6));

        Assert.Equal("This node's kernel has no ip6_gre module (modprobe ip6_gre), so it cannot run gre to fd77::3", plan.Error);
    }

    [Fact]
    public void Keys_carry_nothing_secret()
    {
        var keys = Tunnel(KernelTunnelKind.Gre).CreateKeys();

        Assert.Equal("", keys.Secret);
        Assert.Empty(keys.Options);
    }

    /// <summary>Records holding immutable arrays compare those by reference; compare what they say.</summary>
    private sealed class LinkComparer : IEqualityComparer<KernelTunnelLink>
    {
        public bool Equals(KernelTunnelLink? x, KernelTunnelLink? y) => x?.ToString() == y?.ToString();

        public int GetHashCode(KernelTunnelLink obj) => obj.ToString().GetHashCode(StringComparison.Ordinal);
    }
}
