using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Host;
using Mnigs.Tests.TestSupport;
using Mnigs.Tunnels.WireGuard;

namespace Mnigs.Tests.Gateway;

/// <summary>The gateway half of the protocol, spoken as a subscriber would, on the fake platform.</summary>
public sealed class GatewayServiceTests : IAsyncLifetime
{
    private static readonly IPAddress Alice = IPAddress.Parse("fd00::a");
    private static readonly IPAddress Bob = IPAddress.Parse("fd00::b");
    private static readonly IPAddress Mallory = IPAddress.Parse("fd00::66");

    private DaemonRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DaemonRig.StartAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private async Task Use(DaemonRig rig)
    {
        await _rig.DisposeAsync();
        _rig = rig;
    }

    private static string Sid(JsonObject reply) => reply["sid"]!.GetValue<string>();

    private async Task<JsonObject> Granted(IPAddress caller, string? publicKey = null)
    {
        var reply = await _rig.RequestConnectionAsync(caller, publicKey);
        Assert.True(RpcWire.Success(reply), reply.ToJsonString());
        return reply;
    }

    private WireGuardInterface GatewayInterface()
    {
        var iface = Assert.Single(_rig.Platform.Current.WireGuard);
        Assert.Equal(_rig.GatewayInterface, iface.Name);
        return iface;
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
    public async Task NodeInfo_offers_babel_wireguard_free_on_a_serving_gateway()
    {
        var info = await _rig.CallAsync("nodeInfo", null, Alice);

        Assert.True(RpcWire.Success(info));
        Assert.True(info["gateway"]!.GetValue<bool>());
        Assert.Equal("gw", info["name"]!.GetValue<string>());
        Assert.Equal(_rig.Identity.NodeId, info["id"]!.GetValue<string>());
        Assert.Equal(65533, info["rpcPort"]!.GetValue<int>());
        var suite = Assert.IsType<JsonObject>(Assert.Single(info["suites"]!.AsArray()));
        Assert.Equal("babel-wireguard-free", suite["id"]!.GetValue<string>());
        Assert.Equal("babel", suite["network"]!.GetValue<string>());
        Assert.Equal("wireguard", suite["tunnel"]!.GetValue<string>());
        Assert.Equal("free", suite["payment"]!.GetValue<string>());
        Assert.Equal(0, info["load"]!["sessions"]!.GetValue<int>());
        Assert.Equal(4, info["load"]!["capacity"]!.GetValue<int>());
    }

    [Fact]
    public async Task NodeInfo_counts_the_sessions_in_its_load()
    {
        await Granted(Alice);
        await Granted(Bob);

        var info = await _rig.CallAsync("nodeInfo", null, Mallory);

        Assert.Equal(2, info["load"]!["sessions"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_disabled_gateway_offers_no_suites_and_says_no_gateway_here()
    {
        await Use(await DaemonRig.StartAsync(c => c with { GatewayEnabled = false }));

        var info = await _rig.CallAsync("nodeInfo", null, Alice);
        var reply = await _rig.RequestConnectionAsync(Alice);

        Assert.False(info["gateway"]!.GetValue<bool>());
        Assert.Empty(info["suites"]!.AsArray());
        Assert.Equal("No gateway here", RpcWire.ErrorMsg(reply));
        Assert.Empty(_rig.Gateway.Sessions);
        AssertNothingApplied(_rig.Platform.Current);
    }

    [Fact]
    public async Task A_gateway_without_an_uplink_does_not_serve()
    {
        await Use(await DaemonRig.StartAsync(facts: DaemonRig.GatewayFacts with { DefaultRouteInterface = null }));

        var info = await _rig.CallAsync("nodeInfo", null, Alice);
        var reply = await _rig.RequestConnectionAsync(Alice);

        Assert.False(_rig.Gateway.Serving);
        Assert.Contains("no uplink", _rig.Gateway.NotServingReason);
        Assert.False(info["gateway"]!.GetValue<bool>());
        Assert.Empty(info["suites"]!.AsArray());
        Assert.Equal("No gateway here", RpcWire.ErrorMsg(reply));
        AssertNothingApplied(_rig.Platform.Current);
    }

    [Fact]
    public async Task A_configured_uplink_serves_without_a_default_route()
    {
        await Use(await DaemonRig.StartAsync(c => c with { Uplink = "wan9" }, DaemonRig.GatewayFacts with { DefaultRouteInterface = null }));

        await Granted(Alice);

        Assert.Equal("wan9", _rig.Platform.Current.Firewall.Uplink);
    }

    [Fact]
    public async Task A_gateway_whose_mesh_network_is_down_does_not_serve()
    {
        await Use(await DaemonRig.StartAsync(babelAvailable: false));

        var info = await _rig.CallAsync("nodeInfo", null, Alice);

        Assert.False(info["gateway"]!.GetValue<bool>());
        Assert.Contains("babel is not running", _rig.Gateway.NotServingReason);
        Assert.Equal("No gateway here", RpcWire.ErrorMsg(await _rig.RequestConnectionAsync(Alice)));
    }

    [Fact]
    public async Task A_gateway_without_any_WireGuard_does_not_serve_and_says_why()
    {
        await Use(await DaemonRig.StartAsync(facts: DaemonRig.GatewayFacts with { WireGuardGo = null, KernelWireGuard = false }));

        var info = await _rig.CallAsync("nodeInfo", null, Alice);

        Assert.False(info["gateway"]!.GetValue<bool>());
        Assert.Contains("wireguard-go is not installed", _rig.Gateway.NotServingReason);
        Assert.Equal("No gateway here", RpcWire.ErrorMsg(await _rig.RequestConnectionAsync(Alice)));
    }

    [Theory]
    [InlineData("babel-openvpn-free")]
    [InlineData("cjdns-wireguard-free")]
    [InlineData("babel-wireguard-voucher")]
    [InlineData("babel-wireguard")]
    [InlineData("BABEL-WIREGUARD-FREE")]
    [InlineData("")]
    public async Task A_suite_the_gateway_does_not_serve_is_refused(string suite)
    {
        var reply = await _rig.RequestConnectionAsync(Alice, suite: suite);

        Assert.Equal("Suite not supported", RpcWire.ErrorMsg(reply));
        Assert.Empty(_rig.Gateway.Sessions);
    }

    [Fact]
    public async Task A_request_without_a_suite_is_invalid_params()
    {
        var body = await _rig.Dispatcher.HandleAsync(RpcWire.Request("requestConnection", new JsonObject { ["options"] = new JsonObject() }),
            Alice, DaemonRig.GatewayMesh, CancellationToken.None);

        var (code, message) = RpcWire.Error(body);
        Assert.Equal(-32602, code);
        Assert.Contains("'method' is required", message);
    }

    public static TheoryData<string?> BadOptions => new()
    {
        null,
        "{}",
        """{"publicKey": 5}""",
        """{"publicKey": null}""",
        """{"publicKey": "too-short"}""",
        """{"publicKey": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}""", // 33 bytes
        """{"publicKey": "!AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}""",
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task A_missing_or_invalid_public_key_is_refused_with_a_clear_error(string? options)
    {
        var parameters = new JsonObject { ["method"] = "babel-wireguard-free" };
        if (options is not null)
            parameters["options"] = JsonNode.Parse(options);

        var reply = await _rig.CallAsync("requestConnection", parameters, Alice);

        Assert.Equal("options.publicKey must be a WireGuard public key (44 characters of base64)", RpcWire.ErrorMsg(reply));
        Assert.Empty(_rig.Gateway.Sessions);
        AssertNothingApplied(_rig.Platform.Current);
    }

    [Fact]
    public async Task The_gateways_own_public_key_is_refused()
    {
        var reply = await _rig.RequestConnectionAsync(Alice, _rig.GatewayPublicKey);

        Assert.Equal("options.publicKey is the gateway's own key", RpcWire.ErrorMsg(reply));
    }

    [Fact]
    public async Task A_granted_connection_carries_what_the_subscriber_needs()
    {
        var reply = await Granted(Alice);

        Assert.Matches("^[0-9a-f]{32}$", Sid(reply));
        Assert.Equal("babel-wireguard-free", reply["method"]!.GetValue<string>());
        Assert.Equal("10.201.0.2", reply["ipv4"]!.GetValue<string>());
        Assert.Equal(24, reply["ipv4Prefix"]!.GetValue<int>());
        Assert.Equal("10.201.0.1", reply["ipv4Gateway"]!.GetValue<string>());
        Assert.Equal("fd6d:6e69:6773::2", reply["ipv6"]!.GetValue<string>());
        Assert.Equal(64, reply["ipv6Prefix"]!.GetValue<int>());
        Assert.Equal("fd6d:6e69:6773::1", reply["ipv6Gateway"]!.GetValue<string>());
        var tunnel = reply["tunnel"]!.AsObject();
        Assert.Equal("wireguard", tunnel["type"]!.GetValue<string>());
        Assert.Equal(_rig.GatewayPublicKey, tunnel["publicKey"]!.GetValue<string>());
        Assert.Equal(DaemonRig.GatewayMesh.ToString(), tunnel["endpoint"]!.GetValue<string>());
        Assert.Equal(51820, tunnel["port"]!.GetValue<int>());
        Assert.Equal(1420, reply["mtu"]!.GetValue<int>());
        Assert.Equal((DaemonRig.T0 + TimeSpan.FromSeconds(300)).ToUnixTimeSeconds(), reply["timeoutTimestamp"]!.GetValue<long>());
        Assert.Equal(300, reply["leaseSeconds"]!.GetValue<int>());
        Assert.Equal("free", reply["payment"]!["method"]!.GetValue<string>());
        Assert.Equal("active", reply["payment"]!["state"]!.GetValue<string>());
        Assert.Equal(["192.0.2.53"], reply["dns"]!.AsArray().Select(d => d!.GetValue<string>()));
    }

    [Fact]
    public async Task Two_subscribers_get_different_sids_and_addresses()
    {
        var a = await Granted(Alice);
        var b = await Granted(Bob);

        Assert.NotEqual(Sid(a), Sid(b));
        Assert.Equal("10.201.0.3", b["ipv4"]!.GetValue<string>());
        Assert.Equal("fd6d:6e69:6773::3", b["ipv6"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1")]
    [InlineData("::ffff:10.0.0.1", "10.0.0.1")]
    [InlineData("fd00::77", "fd00::77")]
    public async Task The_tunnel_endpoint_is_the_address_the_subscriber_reached_the_gateway_on(string local, string endpoint)
    {
        var reply = await _rig.RequestConnectionAsync(Alice, local: IPAddress.Parse(local));

        Assert.Equal(endpoint, reply["tunnel"]!["endpoint"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_granted_connection_adds_one_peer_for_exactly_its_addresses_and_NATs_the_pools_out_of_the_uplink()
    {
        var key = WireGuardKeys.Create().PublicKey;

        await Granted(Alice, key);

        var state = _rig.Platform.Current;
        var iface = GatewayInterface();
        Assert.Equal(_rig.GatewayPrivateKey, iface.PrivateKey);
        Assert.Equal(51820, iface.ListenPort);
        Assert.Equal(["10.201.0.1/24", "fd6d:6e69:6773::1/64"], iface.Addresses.Select(a => a.ToString()));
        var peer = Assert.Single(iface.Peers);
        Assert.Equal(key, peer.PublicKey);
        Assert.Null(peer.Endpoint);
        Assert.Equal<IPNetwork>([IPNetwork.Parse("10.201.0.2/32"), IPNetwork.Parse("fd6d:6e69:6773::2/128")], peer.AllowedIps);
        Assert.True(state.Forwarding);
        Assert.Equal<IPNetwork>([IPNetwork.Parse("10.201.0.0/24"), IPNetwork.Parse("fd6d:6e69:6773::/64")], state.Firewall.MasqueradeSources);
        Assert.Equal("uplink0", state.Firewall.Uplink);
        Assert.Equal<string>([_rig.GatewayInterface], state.Firewall.SubscriberInterfaces);
        Assert.True(state.Firewall.ClampMss);
        // The gateway never routes its own traffic anywhere else.
        Assert.Empty(state.Routes);
        Assert.Null(state.Policy);
    }

    [Fact]
    public async Task A_granted_connection_is_kept_in_the_store()
    {
        var reply = await Granted(Alice);

        var stored = Assert.Single(await _rig.Store.LoadSessionsAsync());
        Assert.Equal(Sid(reply), stored.Sid);
        Assert.Equal(Alice, stored.MeshAddress);
        Assert.Equal(IPAddress.Parse("10.201.0.2"), stored.Ipv4);
        Assert.Equal(DaemonRig.T0 + TimeSpan.FromSeconds(300), stored.ExpiresAt);
    }

    [Fact]
    public async Task Without_an_IPv6_pool_the_subscriber_gets_IPv4_only()
    {
        await Use(await DaemonRig.StartAsync(c => c with { WireGuardIpv6Subnet = null }));

        var reply = await Granted(Alice);

        Assert.Null(reply["ipv6"]);
        var peer = Assert.Single(GatewayInterface().Peers);
        Assert.Equal<IPNetwork>([IPNetwork.Parse("10.201.0.2/32")], peer.AllowedIps);
        Assert.Equal<IPNetwork>([IPNetwork.Parse("10.201.0.0/24")], _rig.Platform.Current.Firewall.MasqueradeSources);
    }

    [Fact]
    public async Task MaxConnections_is_enforced_as_a_temporary_refusal()
    {
        await Use(await DaemonRig.StartAsync(c => c with { MaxConnections = 2 }));
        await Granted(Alice);
        await Granted(Bob);

        var third = await _rig.RequestConnectionAsync(Mallory);

        Assert.Equal("Too many sessions", RpcWire.ErrorMsg(third));
        Assert.True(third["temporaryError"]!.GetValue<bool>());
        Assert.Equal(2, GatewayInterface().Peers.Length);
        Assert.Equal(2, (await _rig.Store.LoadSessionsAsync()).Count);
    }

    [Fact]
    public async Task An_exhausted_address_pool_is_a_temporary_refusal()
    {
        await Use(await DaemonRig.StartAsync(c => c with { WireGuardIpv4Subnet = IPNetwork.Parse("10.9.0.0/30") }));
        await Granted(Alice);

        var second = await _rig.RequestConnectionAsync(Bob);

        Assert.Equal("Address pool exhausted", RpcWire.ErrorMsg(second));
        Assert.True(second["temporaryError"]!.GetValue<bool>());
    }

    [Fact]
    public async Task The_same_public_key_twice_is_refused()
    {
        var key = WireGuardKeys.Create().PublicKey;
        await Granted(Alice, key);

        var again = await _rig.RequestConnectionAsync(Alice, key);
        var stolen = await _rig.RequestConnectionAsync(Mallory, key);

        Assert.Equal("Tunnel key already in use by another session", RpcWire.ErrorMsg(again));
        Assert.Equal("Tunnel key already in use by another session", RpcWire.ErrorMsg(stolen));
        Assert.Single(_rig.Gateway.Sessions);
        Assert.Single(GatewayInterface().Peers);
    }

    [Fact]
    public async Task Renew_extends_the_lease_from_now()
    {
        var sid = Sid(await Granted(Alice));
        _rig.Clock.Advance(TimeSpan.FromSeconds(200));

        var renewed = await _rig.CallAsync("renewConnection", new JsonArray(sid), Alice);

        var expected = DaemonRig.T0 + TimeSpan.FromSeconds(500);
        Assert.True(RpcWire.Success(renewed));
        Assert.Equal(sid, renewed["sid"]!.GetValue<string>());
        Assert.Equal(expected.ToUnixTimeSeconds(), renewed["timeoutTimestamp"]!.GetValue<long>());
        Assert.Equal(expected, Assert.Single(await _rig.Store.LoadSessionsAsync()).ExpiresAt);
    }

    [Fact]
    public async Task Renew_from_another_address_is_refused_and_the_session_stays()
    {
        var sid = Sid(await Granted(Alice));
        var before = Assert.Single(_rig.Gateway.Sessions);
        _rig.Clock.Advance(TimeSpan.FromSeconds(200));

        var renewed = await _rig.CallAsync("renewConnection", new JsonObject { ["sid"] = sid }, Mallory);

        Assert.Equal("No such session", RpcWire.ErrorMsg(renewed));
        Assert.Equal(before, Assert.Single(_rig.Gateway.Sessions));
        Assert.Equal(before.ExpiresAt, Assert.Single(await _rig.Store.LoadSessionsAsync()).ExpiresAt);
    }

    [Fact]
    public async Task Release_from_another_address_is_refused_and_the_session_and_peer_stay()
    {
        var sid = Sid(await Granted(Alice));

        var released = await _rig.CallAsync("releaseConnection", new JsonArray(sid), Mallory);

        Assert.Equal("No such session", RpcWire.ErrorMsg(released));
        Assert.Equal(sid, Assert.Single(_rig.Gateway.Sessions).Sid);
        Assert.Equal(sid, Assert.Single(await _rig.Store.LoadSessionsAsync()).Sid);
        Assert.Single(GatewayInterface().Peers);
    }

    [Fact]
    public async Task An_IPv4_subscriber_may_renew_over_its_IPv4_mapped_address()
    {
        var v4 = IPAddress.Parse("10.0.0.7");
        var sid = Sid(await Granted(v4));

        var renewed = await _rig.CallAsync("renewConnection", new JsonArray(sid), v4.MapToIPv6());

        Assert.True(RpcWire.Success(renewed));
    }

    [Fact]
    public async Task Release_removes_the_peer_and_an_idle_gateway_leaves_the_host_as_it_found_it()
    {
        var aliceKey = WireGuardKeys.Create().PublicKey;
        var alice = Sid(await Granted(Alice, aliceKey));
        var bob = Sid(await Granted(Bob));

        Assert.True(RpcWire.Success(await _rig.CallAsync("releaseConnection", new JsonArray(bob), Bob)));

        Assert.Equal(aliceKey, Assert.Single(GatewayInterface().Peers).PublicKey);
        Assert.Equal(alice, Assert.Single(await _rig.Store.LoadSessionsAsync()).Sid);

        Assert.True(RpcWire.Success(await _rig.CallAsync("releaseConnection", new JsonArray(alice), Alice)));

        Assert.Empty(_rig.Gateway.Sessions);
        Assert.Empty(await _rig.Store.LoadSessionsAsync());
        AssertNothingApplied(_rig.Platform.Current);
    }

    [Fact]
    public async Task A_released_session_cannot_be_renewed_or_released_again()
    {
        var sid = Sid(await Granted(Alice));
        await _rig.CallAsync("releaseConnection", new JsonArray(sid), Alice);

        Assert.Equal("No such session", RpcWire.ErrorMsg(await _rig.CallAsync("renewConnection", new JsonArray(sid), Alice)));
        Assert.Equal("No such session", RpcWire.ErrorMsg(await _rig.CallAsync("releaseConnection", new JsonArray(sid), Alice)));
    }

    [Fact]
    public async Task Released_addresses_go_to_the_next_subscriber()
    {
        var sid = Sid(await Granted(Alice));
        await _rig.CallAsync("releaseConnection", new JsonArray(sid), Alice);

        var next = await Granted(Bob);

        Assert.Equal("10.201.0.2", next["ipv4"]!.GetValue<string>());
        Assert.Equal("fd6d:6e69:6773::2", next["ipv6"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_expired_lease_tears_the_tunnel_down_and_frees_the_addresses()
    {
        var sid = Sid(await Granted(Alice));
        _rig.Clock.Advance(TimeSpan.FromSeconds(299));
        Assert.Equal(0, await _rig.Gateway.ExpireAsync(CancellationToken.None));
        Assert.Single(GatewayInterface().Peers);

        _rig.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await _rig.Gateway.ExpireAsync(CancellationToken.None));

        Assert.Empty(_rig.Gateway.Sessions);
        Assert.Empty(await _rig.Store.LoadSessionsAsync());
        AssertNothingApplied(_rig.Platform.Current);
        Assert.Equal("No such session", RpcWire.ErrorMsg(await _rig.CallAsync("renewConnection", new JsonArray(sid), Alice)));
        Assert.Equal("10.201.0.2", (await Granted(Bob))["ipv4"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_renewed_lease_outlives_its_first_deadline()
    {
        var sid = Sid(await Granted(Alice));
        _rig.Clock.Advance(TimeSpan.FromSeconds(250));
        await _rig.CallAsync("renewConnection", new JsonArray(sid), Alice);
        _rig.Clock.Advance(TimeSpan.FromSeconds(100));

        Assert.Equal(0, await _rig.Gateway.ExpireAsync(CancellationToken.None));
        Assert.Single(GatewayInterface().Peers);
    }

    [Fact]
    public async Task Sessions_survive_a_restart_and_their_peers_are_applied_again()
    {
        var aliceKey = WireGuardKeys.Create().PublicKey;
        var alice = await Granted(Alice, aliceKey);
        var bob = await Granted(Bob);
        var before = _rig.Gateway.Sessions;

        await _rig.RestartAsync();

        Assert.Equal(before.Select(s => (s.Sid, s.MeshAddress, s.Ipv4, s.Ipv6, s.ExpiresAt)).OrderBy(s => s.Sid),
            _rig.Gateway.Sessions.Select(s => (s.Sid, s.MeshAddress, s.Ipv4, s.Ipv6, s.ExpiresAt)).OrderBy(s => s.Sid));
        var peers = GatewayInterface().Peers;
        Assert.Equal(2, peers.Length);
        Assert.Contains(peers, p => p.PublicKey == aliceKey && p.AllowedIps.SequenceEqual([IPNetwork.Parse("10.201.0.2/32"), IPNetwork.Parse("fd6d:6e69:6773::2/128")]));
        Assert.Equal("uplink0", _rig.Platform.Current.Firewall.Uplink);

        // The restored sessions are still bound to their owners, and their addresses are still taken.
        Assert.True(RpcWire.Success(await _rig.CallAsync("renewConnection", new JsonArray(Sid(alice)), Alice)));
        Assert.Equal("No such session", RpcWire.ErrorMsg(await _rig.CallAsync("releaseConnection", new JsonArray(Sid(bob)), Mallory)));
        Assert.Equal("10.201.0.4", (await Granted(Mallory))["ipv4"]!.GetValue<string>());
        Assert.Equal("Tunnel key already in use by another session", RpcWire.ErrorMsg(await _rig.RequestConnectionAsync(Mallory, aliceKey)));
    }

    [Fact]
    public async Task A_lease_that_ran_out_while_the_daemon_was_down_is_not_restored()
    {
        await Granted(Alice);
        _rig.Clock.Advance(TimeSpan.FromSeconds(120));
        var bob = await Granted(Bob);
        _rig.Clock.Advance(TimeSpan.FromSeconds(200));

        await _rig.RestartAsync();

        Assert.Equal(Sid(bob), Assert.Single(_rig.Gateway.Sessions).Sid);
        Assert.Equal(Sid(bob), Assert.Single(await _rig.Store.LoadSessionsAsync()).Sid);
        Assert.Single(GatewayInterface().Peers);
    }

    [Fact]
    public async Task A_restart_with_no_sessions_applies_nothing()
    {
        var sid = Sid(await Granted(Alice));
        await _rig.CallAsync("releaseConnection", new JsonArray(sid), Alice);

        await _rig.RestartAsync();

        AssertNothingApplied(_rig.Platform.Current);
        Assert.All(_rig.Platform.Applied, AssertNothingApplied);
    }

    [Fact]
    public async Task When_the_tunnel_cannot_be_set_up_the_session_is_undone()
    {
        _rig.Platform.FailNextApply = new InvalidOperationException("wireguard-go exited");

        var reply = await _rig.RequestConnectionAsync(Alice);

        Assert.StartsWith("The gateway could not set up the tunnel", RpcWire.ErrorMsg(reply));
        Assert.True(reply["temporaryError"]!.GetValue<bool>());
        Assert.Empty(_rig.Gateway.Sessions);
        Assert.Empty(await _rig.Store.LoadSessionsAsync());
        AssertNothingApplied(_rig.Platform.Current);
        Assert.Equal("10.201.0.2", (await Granted(Bob))["ipv4"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_operator_can_release_any_session_through_the_admin_API()
    {
        var sid = Sid(await Granted(Alice));

        var refused = await _rig.CallAsync("releaseSession", new JsonArray(sid), Mallory);
        Assert.Equal("Permission denied", RpcWire.ErrorMsg(refused));
        Assert.Single(_rig.Gateway.Sessions);

        var released = await _rig.CallAsync("releaseSession", new JsonArray(sid), IPAddress.Loopback);
        Assert.True(RpcWire.Success(released));
        Assert.Empty(_rig.Gateway.Sessions);
        AssertNothingApplied(_rig.Platform.Current);
    }

    [Fact]
    public async Task ListSessions_shows_the_operator_every_session()
    {
        var sid = Sid(await Granted(Alice));

        var list = await _rig.CallAsync("listSessions", null, IPAddress.IPv6Loopback);

        var session = Assert.Single(list["sessions"]!.AsArray())!;
        Assert.Equal(sid, session["sid"]!.GetValue<string>());
        Assert.Equal(Alice.ToString(), session["meshAddress"]!.GetValue<string>());
        Assert.Equal("10.201.0.2", session["ipv4"]!.GetValue<string>());
        Assert.Equal("babel-wireguard-free", session["suite"]!.GetValue<string>());
    }
}
