using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Core.Suites;
using Mnigs.Networks.Cjdns;
using Mnigs.Platform;
using Mnigs.Tests.Networks.Cjdns;
using Mnigs.Tunnels;
using Mnigs.Tunnels.Cjdns;

namespace Mnigs.Tests.Tunnels.Cjdns;

/// <summary>
/// The cjdns tunnel against a simulated cjdroute on real UDP (the admin client as tested byte for byte against
/// the recordings): what the gateway allows and takes back, what the subscriber asks for and cleans up.
/// </summary>
public sealed class CjdnsTunnelTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly IReadOnlyList<string> Keys = CjdnsKeys.Make(4, seed: 7);
    private static readonly TunnelPools Pools = new(
        new AddressPool(IPNetwork.Parse("10.202.0.0/24")),
        new AddressPool(IPNetwork.Parse("fd6d:6e69:6774::/64")));

    private readonly SimulatedCjdroute _gwCjdroute = new(Keys[0]);
    private readonly SimulatedCjdroute _subCjdroute = new(Keys[1]);
    private readonly FakeHostPlatform _gwHost = new();
    private readonly FakeHostPlatform _subHost = new();

    public Task InitializeAsync() => Task.CompletedTask;

    // xunit 2 calls IAsyncLifetime, not IAsyncDisposable, on test classes: the fake cjdroutes' sockets are closed here.
    public async Task DisposeAsync()
    {
        await _gwCjdroute.DisposeAsync();
        await _subCjdroute.DisposeAsync();
    }

    private static HostFacts FactsWithTun(SimulatedCjdroute node, string tun = "tun0", int mtu = 1304) => new(
        "eth0", false, null, true, true, false, [],
        Links: [new LinkFacts("eth0", 1500, [new InterfaceAddress(IPAddress.Parse("192.0.2.2"), 24)]),
                new LinkFacts(tun, mtu, [new InterfaceAddress(node.Address, 8)])]);

    private static async Task<CjdnsTunnel> TunnelAsync(SimulatedCjdroute node, FakeHostPlatform host, TunnelPools? pools = null,
        TimeSpan? addressWait = null, bool check = true)
    {
        var adapter = new CjdnsAdapter(new CjdnsOptions(AdminAddress: IPAddress.Loopback, AdminPort: node.Fake.Port), NullLogger<CjdnsAdapter>.Instance);
        Assert.True((await adapter.CheckAsync(None)).Available);
        var tunnel = new CjdnsTunnel(adapter, host, pools, NullLogger<CjdnsTunnel>.Instance, addressWait ?? TimeSpan.FromSeconds(2));
        if (check)
            Assert.True(tunnel.Check(FactsWithTun(node)).Available);
        return tunnel;
    }

    private static GatewaySession Session(string key, string v4, string v6, string sid = "s1") => new()
    {
        Sid = sid,
        MeshAddress = CjdnsAddress.ForKey(key)!,
        Suite = new Suite("cjdns", "cjdns", "free"),
        Ipv4 = IPAddress.Parse(v4),
        Ipv6 = IPAddress.Parse(v6),
        TunnelState = new JsonObject { ["publicKey"] = key },
        CreatedAt = DateTimeOffset.UnixEpoch,
        ExpiresAt = DateTimeOffset.UnixEpoch.AddHours(1),
    };

    private static SubscriberTunnelInput Input(string gatewayKey, IPAddress? gatewayAddress = null, string v4 = "10.202.0.2", string v6 = "fd6d:6e69:6774::2") => new(
        "mn1234s0", "", new JsonObject { ["type"] = "cjdns", ["publicKey"] = gatewayKey, ["mtu"] = 1304 },
        gatewayAddress ?? CjdnsAddress.ForKey(gatewayKey)!,
        new InterfaceAddress(IPAddress.Parse(v4), 24), new InterfaceAddress(IPAddress.Parse(v6), 64), 1304,
        IPAddress.Parse("10.202.0.1"), IPAddress.Parse("fd6d:6e69:6774::1"));

    // --- checks ---

    [Fact]
    public async Task Is_available_only_while_cjdroute_answers_and_holds_a_tun_with_this_nodes_address()
    {
        var tunnel = await TunnelAsync(_gwCjdroute, _gwHost, Pools, check: false);

        var noTun = tunnel.Check(new HostFacts("eth0", false, null, true, true, false, [], Links: [new LinkFacts("eth0", 1500, [])]));
        Assert.False(noTun.Available);
        Assert.Contains("TUNInterface", noTun.Message);
        Assert.Contains(_gwCjdroute.Address.ToString(), noTun.Message);
        Assert.Empty(tunnel.GatewayInterfaces);

        var ok = tunnel.Check(FactsWithTun(_gwCjdroute, "cjdns0"));
        Assert.True(ok.Available);
        Assert.Equal(["cjdns0"], tunnel.GatewayInterfaces);
        Assert.Equal("cjdns0", tunnel.SharedSubscriberInterface);

        var silent = new CjdnsAdapter(new CjdnsOptions(AdminAddress: IPAddress.Loopback, AdminPort: _gwCjdroute.Fake.Port, AdminPassword: "wrong"), NullLogger<CjdnsAdapter>.Instance);
        Assert.False((await silent.CheckAsync(None)).Available);
        var down = new CjdnsTunnel(silent, _gwHost, Pools, NullLogger<CjdnsTunnel>.Instance).Check(FactsWithTun(_gwCjdroute));
        Assert.False(down.Available);
        Assert.Contains("does not answer", down.Message);
    }

    // --- gateway ---

    [Fact]
    public async Task Admits_only_the_key_of_the_address_the_request_came_from()
    {
        var tunnel = await TunnelAsync(_gwCjdroute, _gwHost, Pools);
        var subscriber = CjdnsAddress.ForKey(Keys[1])!;

        var ok = tunnel.Admit(new JsonObject { ["publicKey"] = Keys[1] }, subscriber);
        Assert.True(ok.Ok);
        Assert.Equal(Keys[1], ok.State["publicKey"]!.GetValue<string>());

        // Another node's key: its owner would get the tunnel, and the key's slot would be taken from it.
        var other = tunnel.Admit(new JsonObject { ["publicKey"] = Keys[2] }, subscriber);
        Assert.False(other.Ok);
        Assert.Contains(subscriber.ToString(), other.Error);

        Assert.False(tunnel.Admit(new JsonObject { ["publicKey"] = "not-a-key.k" }, subscriber).Ok);
        Assert.False(tunnel.Admit(null, subscriber).Ok);
        Assert.False(tunnel.Admit(new JsonObject { ["publicKey"] = Keys[0] }, _gwCjdroute.Address).Ok);
    }

    [Fact]
    public async Task Allows_each_session_with_its_addresses_and_routes_replies_into_the_tun()
    {
        var tunnel = await TunnelAsync(_gwCjdroute, _gwHost, Pools);
        var a = Session(Keys[1], "10.202.0.2", "fd6d:6e69:6774::2", "a");
        var b = Session(Keys[2], "10.202.0.3", "fd6d:6e69:6774::3", "b");

        await tunnel.SyncGatewayAsync([a, b], None);

        var allowed = _gwCjdroute.Connections.Values.ToList();
        Assert.Equal(2, allowed.Count);
        // One address each (alloc 32/128) and no route pushed to the subscriber (prefix 32/128): Mnigs routes.
        Assert.Contains(new SimulatedCjdroute.Connection(Keys[1], false, "10.202.0.2", 32, 32, "fd6d:6e69:6774::2", 128, 128), allowed);
        Assert.Contains(new SimulatedCjdroute.Connection(Keys[2], false, "10.202.0.3", 32, 32, "fd6d:6e69:6774::3", 128, 128), allowed);
        Assert.Equal([InterfaceAddress.Parse("10.202.0.1/24"), InterfaceAddress.Parse("fd6d:6e69:6774::1/64")], _gwHost.LinkAddresses("tun0"));
        Assert.Equal(["tun0"], tunnel.GatewayInterfaces);

        // Told again (every few seconds): nothing changes.
        var calls = _gwCjdroute.Functions.Count();
        await tunnel.SyncGatewayAsync([a, b], None);
        Assert.DoesNotContain("IpTunnel_allowConnection", _gwCjdroute.Functions.Skip(calls));
        Assert.DoesNotContain("IpTunnel_removeConnection", _gwCjdroute.Functions.Skip(calls));
        Assert.Equal(2, _gwCjdroute.Connections.Count);
    }

    [Fact]
    public async Task Released_and_expired_sessions_lose_their_key_and_the_operators_own_connections_stay()
    {
        var tunnel = await TunnelAsync(_gwCjdroute, _gwHost, Pools);
        var operatorOwn = _gwCjdroute.AddOperatorConnection(Keys[3], "192.168.77.5");
        var a = Session(Keys[1], "10.202.0.2", "fd6d:6e69:6774::2", "a");
        var b = Session(Keys[2], "10.202.0.3", "fd6d:6e69:6774::3", "b");
        await tunnel.SyncGatewayAsync([a, b], None);

        await tunnel.SyncGatewayAsync([b], None);
        Assert.DoesNotContain(_gwCjdroute.Connections.Values, c => c.Key == Keys[1]);
        Assert.Contains(_gwCjdroute.Connections.Values, c => c.Key == Keys[2]);

        await tunnel.SyncGatewayAsync([], None);
        Assert.Equal([operatorOwn], _gwCjdroute.Connections.Keys);
        Assert.Empty(_gwHost.LinkAddresses("tun0"));
    }

    [Fact]
    public async Task The_gateway_side_leaves_alone_an_address_this_node_got_as_a_subscriber_from_the_same_pool()
    {
        var tunnel = await TunnelAsync(_gwCjdroute, _gwHost, Pools);
        // This node is also connected through another gateway that uses the default pool too (found live).
        _gwHost.AddLinkAddress("tun0", InterfaceAddress.Parse("10.202.0.7/32"));

        await tunnel.SyncGatewayAsync([Session(Keys[1], "10.202.0.2", "fd6d:6e69:6774::2")], None);
        await tunnel.SyncGatewayAsync([], None);

        Assert.Equal([InterfaceAddress.Parse("10.202.0.7/32")], _gwHost.LinkAddresses("tun0"));
    }

    [Fact]
    public async Task A_restarted_cjdroute_is_told_again_and_a_crashed_runs_leftovers_are_taken_back()
    {
        var tunnel = await TunnelAsync(_gwCjdroute, _gwHost, Pools);
        var a = Session(Keys[1], "10.202.0.2", "fd6d:6e69:6774::2", "a");
        await tunnel.SyncGatewayAsync([a], None);

        _gwCjdroute.Restart();
        await tunnel.SyncGatewayAsync([a], None);
        Assert.Single(_gwCjdroute.Connections.Values, c => c.Key == Keys[1] && c.Ip4 == "10.202.0.2");

        // A new daemon run that does not know the session any more (it expired while the daemon was down).
        var restarted = await TunnelAsync(_gwCjdroute, _gwHost, Pools);
        await restarted.SyncGatewayAsync([], None);
        Assert.Empty(_gwCjdroute.Connections);
    }

    [Fact]
    public async Task Without_cjdroute_the_gateway_sync_fails_with_a_clear_error()
    {
        var tunnel = await TunnelAsync(_gwCjdroute, _gwHost, Pools);
        _gwCjdroute.Fake.Silent = true;
        var error = await Assert.ThrowsAnyAsync<IOException>(() => tunnel.SyncGatewayAsync([Session(Keys[1], "10.202.0.2", "fd6d:6e69:6774::2")], None));
        Assert.Contains("127.0.0.1", error.Message);
    }

    [Fact]
    public async Task The_reply_carries_the_gateways_key_and_the_tuns_mtu()
    {
        var tunnel = await TunnelAsync(_gwCjdroute, _gwHost, Pools);
        tunnel.Check(FactsWithTun(_gwCjdroute, mtu: 1280));
        var reply = tunnel.DescribeForSubscriber(Session(Keys[1], "10.202.0.2", "fd6d:6e69:6774::2"), _gwCjdroute.Address);
        Assert.Equal("cjdns", reply["type"]!.GetValue<string>());
        Assert.Equal(Keys[0], reply["publicKey"]!.GetValue<string>());
        Assert.Equal(1280, reply["mtu"]!.GetValue<int>());
    }

    // --- subscriber ---

    [Fact]
    public async Task The_subscriber_sends_its_own_key_and_plans_nothing_of_its_own()
    {
        var tunnel = await TunnelAsync(_subCjdroute, _subHost);
        var keys = tunnel.CreateKeys();
        Assert.Equal(Keys[1], keys.Options["publicKey"]!.GetValue<string>());
        Assert.Equal("", keys.Secret);

        var plan = tunnel.PlanSubscriber(Input(Keys[0]));
        Assert.True(plan.Ok, plan.Error);
        Assert.Equal(HostState.Empty, plan.State);
    }

    [Fact]
    public async Task A_reply_naming_another_nodes_key_or_no_key_is_refused()
    {
        var tunnel = await TunnelAsync(_subCjdroute, _subHost);

        var elsewhere = tunnel.PlanSubscriber(Input(Keys[2], gatewayAddress: CjdnsAddress.ForKey(Keys[0])));
        Assert.False(elsewhere.Ok);
        Assert.Contains(CjdnsAddress.ForKey(Keys[2])!.ToString(), elsewhere.Error);

        var noKey = tunnel.PlanSubscriber(Input(Keys[0]) with { Tunnel = new JsonObject { ["type"] = "cjdns" } });
        Assert.False(noKey.Ok);
        Assert.False(tunnel.PlanSubscriber(Input(Keys[0]) with { Ipv4 = null, Ipv6 = null }).Ok);
    }

    [Fact]
    public async Task Connecting_asks_cjdroute_and_waits_for_the_gateways_addresses()
    {
        var tunnel = await TunnelAsync(_subCjdroute, _subHost);
        _subCjdroute.Grant = key => key == Keys[0] ? ("10.202.0.2", "fd6d:6e69:6774::2") : null;

        await tunnel.ConnectSubscriberAsync(Input(Keys[0]), None);

        var connection = Assert.Single(_subCjdroute.Connections.Values);
        Assert.True(connection.Outgoing);
        Assert.Equal(Keys[0], connection.Key);
    }

    [Fact]
    public async Task Addresses_other_than_the_reply_said_or_none_at_all_fail_and_leave_no_connection()
    {
        var tunnel = await TunnelAsync(_subCjdroute, _subHost, addressWait: TimeSpan.FromMilliseconds(400));

        _subCjdroute.Grant = _ => ("10.202.0.99", "fd6d:6e69:6774::2");
        var other = await Assert.ThrowsAsync<IOException>(() => tunnel.ConnectSubscriberAsync(Input(Keys[0]), None));
        Assert.Contains("10.202.0.99", other.Message);
        Assert.Empty(_subCjdroute.Connections);

        _subCjdroute.Grant = _ => null;
        var none = await Assert.ThrowsAsync<IOException>(() => tunnel.ConnectSubscriberAsync(Input(Keys[0]), None));
        Assert.Contains("no addresses", none.Message);
        Assert.Empty(_subCjdroute.Connections);
    }

    [Fact]
    public async Task Disconnecting_ends_the_connection_and_removes_the_addresses_cjdroute_set()
    {
        var tunnel = await TunnelAsync(_subCjdroute, _subHost);
        _subCjdroute.Grant = _ => ("10.202.0.2", "fd6d:6e69:6774::2");
        await tunnel.ConnectSubscriberAsync(Input(Keys[0]), None);
        // What cjdroute does on its TUN when the addresses arrive (alloc 32 and 128), beside the node's own address.
        _subHost.AddLinkAddress("tun0", InterfaceAddress.Parse("10.202.0.2/32"));
        _subHost.AddLinkAddress("tun0", InterfaceAddress.Parse("fd6d:6e69:6774::2/128"));
        _subHost.AddLinkAddress("tun0", new InterfaceAddress(_subCjdroute.Address, 8));

        await tunnel.DisconnectSubscriberAsync(Input(Keys[0]), None);

        Assert.Empty(_subCjdroute.Connections);
        Assert.Equal([new InterfaceAddress(_subCjdroute.Address, 8)], _subHost.LinkAddresses("tun0"));
    }

    [Fact]
    public async Task A_connection_to_the_same_gateway_left_by_a_crash_is_ended_before_connecting_again()
    {
        var tunnel = await TunnelAsync(_subCjdroute, _subHost);
        _subCjdroute.Grant = _ => ("10.202.0.2", "fd6d:6e69:6774::2");
        await tunnel.ConnectSubscriberAsync(Input(Keys[0]), None);
        var first = Assert.Single(_subCjdroute.Connections.Keys);

        await tunnel.ConnectSubscriberAsync(Input(Keys[0]), None);

        Assert.NotEqual(first, Assert.Single(_subCjdroute.Connections.Keys));
    }

    [Fact]
    public async Task A_subscriber_and_a_gateway_meet_through_the_allowed_key()
    {
        // The gateway side allows sub's key; the simulated network hands sub the addresses only when it is allowed.
        var gateway = await TunnelAsync(_gwCjdroute, _gwHost, Pools);
        var subscriber = await TunnelAsync(_subCjdroute, _subHost);
        _subCjdroute.Grant = key => key == Keys[0]
            ? _gwCjdroute.Connections.Values.FirstOrDefault(c => c.Key == Keys[1] && !c.Outgoing) is { } allowed ? (allowed.Ip4, allowed.Ip6) : null
            : null;
        var admission = gateway.Admit(subscriber.CreateKeys().Options, _subCjdroute.Address);
        Assert.True(admission.Ok);
        var session = Session(Keys[1], "10.202.0.2", "fd6d:6e69:6774::2") with { TunnelState = admission.State };

        await gateway.SyncGatewayAsync([session], None);
        await subscriber.ConnectSubscriberAsync(Input(Keys[0]), None);
        Assert.Single(_subCjdroute.Connections.Values, c => c.Outgoing && c.Ip4 == "10.202.0.2");

        // Released: the gateway takes the key back, and a new connectTo gets nothing.
        await gateway.SyncGatewayAsync([], None);
        await subscriber.DisconnectSubscriberAsync(Input(Keys[0]), None);
        var shortWait = await TunnelAsync(_subCjdroute, _subHost, addressWait: TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAsync<IOException>(() => shortWait.ConnectSubscriberAsync(Input(Keys[0]), None));
        Assert.Empty(_gwCjdroute.Connections);
    }

    [Fact]
    public void Sessions_of_the_tunnel_need_no_host_state_of_mnigs_own()
    {
        var adapter = new CjdnsAdapter(new CjdnsOptions(), NullLogger<CjdnsAdapter>.Instance);
        var tunnel = new CjdnsTunnel(adapter, _gwHost, Pools, NullLogger<CjdnsTunnel>.Instance);
        Assert.Equal(HostState.Empty, tunnel.GatewayState([Session(Keys[1], "10.202.0.2", "fd6d:6e69:6774::2")]));
        Assert.Equal("cjdns", tunnel.Name);
        Assert.Empty(tunnel.GatewayInterfaces);
    }
}
