using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Host;
using Mnigs.Store;
using Mnigs.Tests.TestSupport;
using Mnigs.Tunnels.WireGuard;

namespace Mnigs.Tests.Subscriber;

/// <summary>
/// The subscriber half, driven through the admin API as the CLI drives it: against a real gateway
/// daemon in the same process, and against a scripted gateway that sends broken or hostile replies.
/// </summary>
public sealed class SubscriberServiceTests : IAsyncLifetime
{
    private static readonly IPAddress SubscriberMesh = IPAddress.Parse("fd00::5");
    private static readonly string Sid = "0123456789abcdef0123456789abcdef";
    private static readonly (string PrivateKey, string PublicKey) GatewayKeys = WireGuardKeys.Create();

    private readonly List<DaemonRig> _rigs = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var rig in _rigs)
            await rig.DisposeAsync();
    }

    private async Task<DaemonRig> Rig(DaemonRig rig)
    {
        _rigs.Add(rig);
        return await Task.FromResult(rig);
    }

    private async Task<(DaemonRig Gateway, DaemonRig Subscriber, DispatcherHandler Wire)> GatewayAndSubscriber()
    {
        var gateway = await Rig(await DaemonRig.StartAsync());
        DaemonRig? current = gateway;
        var wire = new DispatcherHandler(() => current!.Dispatcher, SubscriberMesh);
        var subscriber = await Rig(await DaemonRig.StartAsync(c => c with { Name = "sub", GatewayEnabled = false }, http: wire));
        return (gateway, subscriber, wire);
    }

    private static Task<JsonObject> Connect(DaemonRig subscriber, string address = "fd00::1", string? suite = null)
    {
        var parameters = new JsonObject { ["address"] = address };
        if (suite is not null)
            parameters["suite"] = suite;
        return subscriber.CallAsync("connect", parameters, IPAddress.Loopback);
    }

    private static JsonObject Reply(string endpoint = "fd00::1") => new()
    {
        ["success"] = true,
        ["sid"] = Sid,
        ["method"] = "babel-wireguard-free",
        ["ipv4"] = "10.201.0.2",
        ["ipv4Prefix"] = 24,
        ["ipv4Gateway"] = "10.201.0.1",
        ["ipv6"] = "fd6d:6e69:6773::2",
        ["ipv6Prefix"] = 64,
        ["ipv6Gateway"] = "fd6d:6e69:6773::1",
        ["tunnel"] = new JsonObject { ["type"] = "wireguard", ["publicKey"] = GatewayKeys.PublicKey, ["endpoint"] = endpoint, ["port"] = 51820, ["mtu"] = 1420 },
        ["timeoutTimestamp"] = (DaemonRig.T0 + TimeSpan.FromSeconds(300)).ToUnixTimeSeconds(),
        ["leaseSeconds"] = 300,
        ["dns"] = new JsonArray("192.0.2.53"),
        ["payment"] = new JsonObject { ["method"] = "free", ["state"] = "active" },
    };

    private async Task<(DaemonRig Subscriber, ScriptedGateway Gateway)> Scripted(Func<JsonObject> reply)
    {
        var gateway = new ScriptedGateway();
        gateway.Answers["nodeInfo"] = _ => ScriptedGateway.NodeInfo();
        gateway.Answers["requestConnection"] = _ => reply();
        gateway.Answers["releaseConnection"] = _ => new JsonObject { ["success"] = true };
        var subscriber = await Rig(await DaemonRig.StartAsync(c => c with { Name = "sub", GatewayEnabled = false }, http: gateway));
        return (subscriber, gateway);
    }

    private static void AssertNothingApplied(HostState state)
    {
        Assert.Empty(state.WireGuard);
        Assert.Empty(state.Routes);
        Assert.Null(state.Policy);
        Assert.True(state.Firewall.IsEmpty);
        Assert.False(state.Forwarding);
        Assert.Null(state.Dns);
    }

    [Fact]
    public async Task Connecting_brings_up_one_tunnel_to_the_gateway_and_routes_the_internet_through_it()
    {
        var (gateway, subscriber, _) = await GatewayAndSubscriber();

        var result = await Connect(subscriber);

        Assert.True(RpcWire.Success(result), result.ToJsonString());
        var state = subscriber.Platform.Current;
        var iface = Assert.Single(state.WireGuard);
        Assert.Equal(subscriber.Subscriber.InterfaceName, iface.Name);
        Assert.Equal(["10.201.0.2/24", "fd6d:6e69:6773::2/64"], iface.Addresses.Select(a => a.ToString()));
        Assert.Equal(1420, iface.Mtu);
        var peer = Assert.Single(iface.Peers);
        Assert.Equal(gateway.GatewayPublicKey, peer.PublicKey);
        Assert.Equal(new IPEndPoint(DaemonRig.GatewayMesh, 51820), peer.Endpoint);
        Assert.Equal<IPNetwork>([IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("::/0")], peer.AllowedIps);
        Assert.Equal(
            [new RouteSpec(IPNetwork.Parse("0.0.0.0/0"), iface.Name), new RouteSpec(IPNetwork.Parse("::/0"), iface.Name)],
            state.Routes.AsEnumerable());
        Assert.Equal(new RoutingPolicy(65533, 5300, Ipv4: true, Ipv6: true), state.Policy);
        Assert.Equal<IPAddress>([IPAddress.Parse("192.0.2.53")], state.Dns!.Servers);

        // The gateway has the subscriber's key as its one peer, bound to the subscriber's mesh address.
        var session = Assert.Single(gateway.Gateway.Sessions);
        Assert.Equal(SubscriberMesh, session.MeshAddress);
        Assert.Equal(WireGuardKeys.PublicKeyOf(iface.PrivateKey), Assert.Single(Assert.Single(gateway.Platform.Current.WireGuard).Peers).PublicKey);
        Assert.Equal(session.Sid, subscriber.Subscriber.Current!.Sid);
    }

    [Fact]
    public async Task Disconnecting_releases_the_session_and_leaves_both_hosts_as_they_were()
    {
        var (gateway, subscriber, wire) = await GatewayAndSubscriber();
        Assert.True(RpcWire.Success(await Connect(subscriber)));

        var result = await subscriber.CallAsync("disconnect", null, IPAddress.Loopback);

        Assert.True(RpcWire.Success(result));
        Assert.Contains("releaseConnection", wire.Methods);
        Assert.Null(subscriber.Subscriber.Current);
        AssertNothingApplied(subscriber.Platform.Current);
        Assert.Empty(gateway.Gateway.Sessions);
        AssertNothingApplied(gateway.Platform.Current);
        Assert.Equal(ConnectionState.Released, Assert.Single(await subscriber.Store.ListConnectionsAsync()).State);
    }

    [Fact]
    public async Task Disconnecting_when_not_connected_says_so()
    {
        var (_, subscriber, _) = await GatewayAndSubscriber();

        Assert.Equal("Not connected", RpcWire.ErrorMsg(await subscriber.CallAsync("disconnect", null, IPAddress.Loopback)));
    }

    [Fact]
    public async Task A_gateway_that_refuses_is_reported_with_its_reason()
    {
        var (gateway, subscriber, _) = await GatewayAndSubscriber();
        gateway.Platform.FailNextApply = new InvalidOperationException("wireguard-go exited");

        var result = await Connect(subscriber);

        Assert.StartsWith("fd00::1 refused: The gateway could not set up the tunnel", RpcWire.ErrorMsg(result));
        Assert.True(result["temporaryError"]!.GetValue<bool>());
        Assert.Null(subscriber.Subscriber.Current);
        AssertNothingApplied(subscriber.Platform.Current);
    }

    [Fact]
    public async Task A_suite_the_gateway_does_not_offer_is_refused_before_asking_for_a_connection()
    {
        var (_, subscriber, wire) = await GatewayAndSubscriber();

        var result = await Connect(subscriber, suite: "babel-openvpn-free");

        Assert.Contains("does not offer babel-openvpn-free", RpcWire.ErrorMsg(result));
        Assert.DoesNotContain("requestConnection", wire.Methods);
    }

    [Fact]
    public async Task A_node_that_is_not_a_gateway_is_refused()
    {
        var gateway = await Rig(await DaemonRig.StartAsync(c => c with { GatewayEnabled = false }));
        var subscriber = await Rig(await DaemonRig.StartAsync(c => c with { Name = "sub", GatewayEnabled = false },
            http: new DispatcherHandler(() => gateway.Dispatcher, SubscriberMesh)));

        var result = await Connect(subscriber);

        Assert.Equal("fd00::1 is not a gateway", RpcWire.ErrorMsg(result));
    }

    [Fact]
    public async Task A_hostile_gateway_cannot_point_the_tunnel_at_another_host()
    {
        var (subscriber, _) = await Scripted(() => Reply(endpoint: "203.0.113.66"));

        var result = await Connect(subscriber);

        Assert.True(RpcWire.Success(result), result.ToJsonString());
        var peer = Assert.Single(Assert.Single(subscriber.Platform.Current.WireGuard).Peers);
        Assert.Equal(new IPEndPoint(DaemonRig.GatewayMesh, 51820), peer.Endpoint);
    }

    public static TheoryData<string, string> HostileReplies => new()
    {
        { "sid", "123" },
        { "sid", "\"short\"" },
        { "sid", "null" },
        { "tunnel", "\"wireguard\"" },
        { "ipv4", "\"not an address\"" },
        { "ipv4", "\"fd00::9\"" },
        { "timeoutTimestamp", "99999999999999999" },
        { "timeoutTimestamp", "-99999999999999999" },
        { "timeoutTimestamp", "\"soon\"" },
        { "leaseSeconds", "-5" },
        { "leaseSeconds", "99999999999" },
        { "mtu", "-1" },
        { "mtu", "99999999999" },
        { "dns", "[1, \"x\", null, {\"a\": 1}]" },
        { "ipv4Prefix", "200" },
        { "success", "\"yes\"" },
    };

    [Theory]
    [MemberData(nameof(HostileReplies))]
    public async Task A_broken_or_hostile_reply_gets_a_plain_answer_and_leaves_nothing_half_done(string field, string value)
    {
        var (subscriber, gateway) = await Scripted(() =>
        {
            var reply = Reply();
            reply[field] = JsonNode.Parse(value);
            return reply;
        });

        var body = await subscriber.Dispatcher.HandleAsync(RpcWire.Request("connect", new JsonObject { ["address"] = "fd00::1" }),
            IPAddress.Loopback, IPAddress.Loopback, CancellationToken.None);

        // Never an internal error: the connect either works with sane values or is refused in words.
        var result = RpcWire.Result(body);
        if (RpcWire.Success(result))
        {
            var iface = Assert.Single(subscriber.Platform.Current.WireGuard);
            Assert.InRange(iface.Mtu, 1280, 1420);
            Assert.All(subscriber.Platform.Current.Dns?.Servers ?? [], s => Assert.NotNull(s));
            var connection = subscriber.Subscriber.Current!;
            Assert.InRange(connection.Lease, TimeSpan.FromSeconds(10), TimeSpan.FromDays(1));
            Assert.All([connection.Ipv4, connection.Ipv6], a => Assert.True(a is null || a.Value.PrefixLength <= (a.Value.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)));
        }
        else
        {
            Assert.False(string.IsNullOrWhiteSpace(RpcWire.ErrorMsg(result)));
            Assert.Null(subscriber.Subscriber.Current);
            AssertNothingApplied(subscriber.Platform.Current);
            // A session the gateway granted but this node cannot use is given back, when it named one.
            if (field != "success" && !(field == "sid" && value[0] != '"'))
                Assert.Contains(gateway.Calls, c => c.Method == "releaseConnection");
        }
    }

    [Fact]
    public async Task A_reply_without_a_usable_tunnel_is_released_at_the_gateway()
    {
        var (subscriber, gateway) = await Scripted(() =>
        {
            var reply = Reply();
            reply.Remove("tunnel");
            return reply;
        });

        var result = await Connect(subscriber);

        Assert.Equal("fd00::1 sent a reply this node cannot use", RpcWire.ErrorMsg(result));
        var release = Assert.Single(gateway.Calls, c => c.Method == "releaseConnection");
        Assert.Equal(Sid, release.Params!["sid"]!.GetValue<string>());
        AssertNothingApplied(subscriber.Platform.Current);
    }

    [Fact]
    public async Task A_gateway_that_cannot_be_reached_is_a_temporary_failure()
    {
        var subscriber = await Rig(await DaemonRig.StartAsync(c => c with { Name = "sub", GatewayEnabled = false }));

        var result = await Connect(subscriber);

        Assert.StartsWith("Cannot reach fd00::1", RpcWire.ErrorMsg(result));
        Assert.True(result["temporaryError"]!.GetValue<bool>());
    }
}
