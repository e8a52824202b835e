using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Host;
using Mnigs.Platform;
using Mnigs.Tests.TestSupport;
using Mnigs.Tests.Tunnels.Socks;
using Mnigs.Tunnels.Forward;

namespace Mnigs.Tests.Tunnels.Forward;

/// <summary>The forward tunnel through both daemons: sessions without tunnel addresses, the lease in the kernel's set.</summary>
public sealed class ForwardDaemonTests : IAsyncLifetime
{
    private AddresslessRig _rig = null!;

    public async Task InitializeAsync()
    {
        _rig = await AddresslessRig.StartAsync((platform, _, time, _) => new ForwardTunnel(new ForwardOptions(["seg0"]), platform, time), "layer2", "babel");
        _rig.SubscriberPlatform.Route = a => a.Equals(AddresslessRig.GatewayMesh) ? new RouteHop("seg0", null) : null;
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private ForwardFirewall GatewayForward => _rig.GatewayPlatform.Current.Firewall.Forward;

    [Fact]
    public void The_gateway_offers_forward_over_layer2_but_not_over_babel()
    {
        Assert.Equal(["layer2-forward-free"], _rig.Gateway.Suites().Select(s => s.Id));
    }

    [Fact]
    public async Task Connecting_forwards_the_subscribers_mesh_address_for_its_lease_and_routes_it_via_the_gateway()
    {
        var result = await _rig.ConnectAsync();

        Assert.True(RpcWire.Success(result), result.ToJsonString());
        Assert.Equal<ForwardSource>([new ForwardSource(AddresslessRig.SubscriberMesh, TimeSpan.FromSeconds(AddresslessRig.LeaseSeconds))], GatewayForward.Sources);
        Assert.Equal<string>(["seg0"], GatewayForward.MeshInterfaces);
        Assert.Equal("uplink0", _rig.GatewayPlatform.Current.Firewall.Uplink);
        Assert.True(_rig.GatewayPlatform.Current.Forwarding);
        Assert.Empty(_rig.GatewayPlatform.Current.Firewall.SubscriberInterfaces);

        var state = _rig.SubscriberPlatform.Current;
        Assert.Empty(state.WireGuard);
        Assert.Equal<RouteSpec>([new RouteSpec(IPNetwork.Parse("0.0.0.0/0"), "seg0", Via: AddresslessRig.GatewayMesh)], state.Routes);
        Assert.Equal(new RoutingPolicy(65533, 5300, Ipv4: true, Ipv6: false), state.Policy);
        Assert.True(state.Firewall.IsEmpty);
        Assert.Empty(_rig.SubscriberServices.Started);
    }

    [Fact]
    public async Task A_renewal_gives_the_address_its_whole_lease_again_in_the_kernel()
    {
        Assert.True(RpcWire.Success(await _rig.ConnectAsync()));
        var sid = _rig.Subscriber.Current!.Sid;
        _rig.Clock.Advance(TimeSpan.FromSeconds(200));
        // Anything that applies the host meanwhile renders the time left, not the whole lease.
        Assert.True(RpcWire.Success(await _rig.RequestAsync(IPAddress.Parse("10.79.0.12"), "layer2-forward-free")));
        Assert.Contains(new ForwardSource(AddresslessRig.SubscriberMesh, TimeSpan.FromSeconds(100)), GatewayForward.Sources);

        var renewed = await _rig.CallGatewayAsync("renewConnection", new JsonObject { ["sid"] = sid }, AddresslessRig.SubscriberMesh);

        Assert.True(RpcWire.Success(renewed), renewed.ToJsonString());
        Assert.Contains(new ForwardSource(AddresslessRig.SubscriberMesh, TimeSpan.FromSeconds(AddresslessRig.LeaseSeconds)), GatewayForward.Sources);
    }

    [Fact]
    public async Task Release_and_expiry_take_the_address_out_of_the_set()
    {
        Assert.True(RpcWire.Success(await _rig.ConnectAsync()));
        Assert.True(RpcWire.Success(await _rig.RequestAsync(IPAddress.Parse("10.79.0.12"), "layer2-forward-free")));

        await _rig.Subscriber.DisconnectAsync(CancellationToken.None);
        for (var i = 0; i < 200 && _rig.Gateway.Sessions.Count > 1; i++)
            await Task.Delay(10);

        Assert.Equal<IPAddress>([IPAddress.Parse("10.79.0.12")], GatewayForward.Sources.Select(s => s.Address));
        Assert.Empty(_rig.SubscriberPlatform.Current.Routes);
        Assert.Null(_rig.SubscriberPlatform.Current.Policy);

        _rig.Clock.Advance(TimeSpan.FromSeconds(AddresslessRig.LeaseSeconds));
        Assert.Equal(1, await _rig.Gateway.ExpireAsync(CancellationToken.None));
        Assert.True(_rig.GatewayPlatform.Current.Firewall.IsEmpty);
        Assert.False(_rig.GatewayPlatform.Current.Forwarding);
    }

    [Fact]
    public async Task A_gateway_that_is_not_one_hop_away_is_refused_and_its_session_given_back()
    {
        _rig.SubscriberPlatform.Route = _ => new RouteHop("seg0", IPAddress.Parse("10.79.0.254"));

        var result = await _rig.ConnectAsync();

        Assert.False(RpcWire.Success(result));
        Assert.Equal("Could not bring the tunnel up: The gateway 10.79.0.1 is not one hop away (the route to it goes via 10.79.0.254 on seg0): the forward tunnel needs the gateway on this node's layer-2 segment or batman-adv mesh",
            RpcWire.ErrorMsg(result));
        Assert.Empty(_rig.Gateway.Sessions);
        Assert.True(_rig.GatewayPlatform.Current.Firewall.IsEmpty);
        Assert.Empty(_rig.SubscriberPlatform.Current.Routes);
    }
}
