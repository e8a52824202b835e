using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Core.Host;
using Mnigs.Tests.TestSupport;
using Mnigs.Tunnels.Socks;

namespace Mnigs.Tests.Tunnels.Socks;

/// <summary>The socks tunnel through both daemons: sessions without tunnel addresses, danted and redsocks as they would run.</summary>
public sealed class SocksDaemonTests : IAsyncLifetime
{
    private static readonly IPAddress Bob = IPAddress.Parse("10.79.0.12");

    private AddresslessRig _rig = null!;

    public async Task InitializeAsync() => _rig = await AddresslessRig.StartAsync(
        (_, services, _, stateDir) => new SocksTunnel(
            new SocksOptions(1080, 12380, Path.Combine(stateDir, "socks"), () => "uplink0", () => [AddresslessRig.GatewayMesh],
                program => "/usr/sbin/" + program)
            { IsListening = _ => true },
            services, NullLogger<SocksTunnel>.Instance),
        "babel", "yggdrasil");

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private string DantedConf => File.ReadAllText(Path.Combine(_rig.GatewayStateDir, "socks", "danted.conf"));

    [Fact]
    public void The_gateway_offers_socks_over_babel_but_not_over_yggdrasil()
    {
        Assert.Equal(["babel-socks-free"], _rig.Gateway.Suites().Select(s => s.Id));
    }

    [Fact]
    public async Task Connecting_runs_danted_for_the_subscriber_and_redsocks_towards_the_gateway_and_redirects_its_tcp()
    {
        var result = await _rig.ConnectAsync();

        Assert.True(RpcWire.Success(result), result.ToJsonString());
        var session = Assert.Single(_rig.Gateway.Sessions);
        Assert.Equal(AddresslessRig.SubscriberMesh, session.MeshAddress);
        Assert.Null(session.Ipv4);
        Assert.Null(session.Ipv6);

        // The gateway: danted admits the subscriber, the kernel lets it reach danted's port.
        Assert.Equal("danted", Assert.Single(_rig.GatewayServices.Started).Name);
        Assert.Contains("client pass { from: 10.79.0.11/32", DantedConf);
        Assert.Equal<IPAddress>([AddresslessRig.SubscriberMesh], _rig.GatewayPlatform.Current.Firewall.Socks.Clients);
        Assert.Equal(1080, _rig.GatewayPlatform.Current.Firewall.Socks.GatewayPort);
        Assert.Empty(_rig.GatewayPlatform.Current.Firewall.MasqueradeSources);

        // The subscriber: no interface; redsocks towards the gateway, TCP and DNS redirected to it.
        var connection = _rig.Subscriber.Current!;
        var redsocks = _rig.SubscriberServices.Running("redsocks-" + connection.Interface)!;
        Assert.Contains("\tip = 10.79.0.1;\n\tport = 1080;\n", File.ReadAllText(redsocks.Arguments[1]));
        var state = _rig.SubscriberPlatform.Current;
        Assert.Empty(state.WireGuard);
        Assert.Equal<RouteSpec>([new RouteSpec(IPNetwork.Parse("0.0.0.0/0"), "lo")], state.Routes);
        Assert.Equal(new RoutingPolicy(65533, 5300, Ipv4: true, Ipv6: false), state.Policy);
        Assert.Equal(12380, state.Firewall.Socks.RedirectPort);
        Assert.Equal<IPAddress>([IPAddress.Parse("192.0.2.53")], state.Dns!.Servers);
        Assert.True(state.Dns.OverTcp);
    }

    [Fact]
    public async Task Subscribers_coming_and_going_reload_danted_and_a_released_one_is_refused_at_once()
    {
        Assert.True(RpcWire.Success(await _rig.ConnectAsync()));
        var bob = await _rig.RequestAsync(Bob, "babel-socks-free");
        Assert.True(RpcWire.Success(bob), bob.ToJsonString());
        // Sessions go by their mesh address: Bob may hold two, as a subscriber reconnecting before its old lease ends does.
        Assert.True(RpcWire.Success(await _rig.RequestAsync(Bob, "babel-socks-free")));
        Assert.Contains("client pass { from: 10.79.0.12/32", DantedConf);
        Assert.Equal<string>(["danted"], _rig.GatewayServices.Reloaded);

        var disconnected = await _rig.Subscriber.DisconnectAsync(CancellationToken.None);
        await WaitAsync(() => _rig.Gateway.Sessions.Count == 2);

        Assert.True(RpcWire.Success(disconnected));
        Assert.Equal<IPAddress>([Bob], _rig.GatewayPlatform.Current.Firewall.Socks.Clients);
        Assert.DoesNotContain("10.79.0.11", DantedConf);
        Assert.Equal<string>(["danted", "danted"], _rig.GatewayServices.Reloaded);
        Assert.Single(_rig.GatewayServices.Started);
        Assert.Empty(_rig.SubscriberServices.Started.Where(s => _rig.SubscriberServices.Running(s.Name) is not null));
        Assert.Equal(HostState.Empty.Routes, _rig.SubscriberPlatform.Current.Routes);
        Assert.True(_rig.SubscriberPlatform.Current.Firewall.IsEmpty);
        Assert.Null(_rig.SubscriberPlatform.Current.Policy);
        Assert.Null(_rig.SubscriberPlatform.Current.Dns);

        foreach (var session in _rig.Gateway.Sessions)
            Assert.True(RpcWire.Success(await _rig.CallGatewayAsync("releaseConnection", new System.Text.Json.Nodes.JsonObject { ["sid"] = session.Sid }, Bob)));
        Assert.Null(_rig.GatewayServices.Running("danted"));
        Assert.True(_rig.GatewayPlatform.Current.Firewall.IsEmpty);
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
            await Task.Delay(10);
        Assert.True(condition());
    }
}
