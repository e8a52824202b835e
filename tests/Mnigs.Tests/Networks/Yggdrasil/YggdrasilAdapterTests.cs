using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Networks.Yggdrasil;
using static Mnigs.Tests.Networks.Yggdrasil.YggdrasilFixtures.Recorded;

namespace Mnigs.Tests.Networks.Yggdrasil;

public class YggdrasilAdapterTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static YggdrasilAdapter AdapterFor(string endpoint, TimeSpan? timeout = null) =>
        new(new YggdrasilOptions(endpoint, timeout), NullLogger<YggdrasilAdapter>.Instance);

    private static YggdrasilAdapter AdapterFor(YggdrasilAdminServer server, TimeSpan? timeout = null) => AdapterFor(server.Endpoint, timeout);

    [Fact]
    public void Network_id_is_yggdrasil() => Assert.Equal("yggdrasil", AdapterFor("unix:///nowhere").Name);

    [Fact]
    public async Task Check_reports_the_socket_and_the_address()
    {
        await using var ygg = YggdrasilAdminServer.Replaying("line-ysub");

        var health = await AdapterFor(ygg).CheckAsync(None);

        Assert.True(health.Available, health.Message);
        Assert.Equal($"yggdrasil on {ygg.SocketPath}, address {Sub}, subnet 300:9950:464:4218::/64", health.Message);
    }

    [Fact]
    public async Task Check_names_the_version_when_the_build_has_one()
    {
        await using var ygg = YggdrasilAdminServer.Replaying("v05-ysub");

        var health = await AdapterFor(ygg).CheckAsync(None);

        Assert.StartsWith($"yggdrasil 0.5.14 on {ygg.SocketPath}, address {Sub}", health.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_when_yggdrasil_is_not_running_says_so()
    {
        var dir = Directory.CreateTempSubdirectory("mnigs-ygg-").FullName;
        try
        {
            var health = await AdapterFor($"unix://{dir}/yggdrasil.sock").CheckAsync(None);

            Assert.False(health.Available);
            Assert.Equal($"yggdrasil is not running: no admin socket at {dir}/yggdrasil.sock", health.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Queries_when_yggdrasil_is_not_running_throw_the_same_message()
    {
        var e = await Assert.ThrowsAsync<YggdrasilAdminException>(() => AdapterFor("unix:///nonexistent/mnigs-test/yggdrasil.sock").NeighboursAsync(None));

        Assert.Equal("yggdrasil is not running: no admin socket at /nonexistent/mnigs-test/yggdrasil.sock", e.Message);
    }

    [Fact]
    public async Task A_file_where_the_socket_should_be_is_nobody_answering()
    {
        var file = Path.GetTempFileName();
        try
        {
            var health = await AdapterFor("unix://" + file).CheckAsync(None);

            Assert.Equal($"yggdrasil is not running: nobody answers on the admin socket {file}", health.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Nobody_on_the_tcp_port_is_not_running()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var health = await AdapterFor($"tcp://127.0.0.1:{port}").CheckAsync(None);

        Assert.Equal($"yggdrasil is not running: nobody answers on tcp://127.0.0.1:{port}", health.Message);
    }

    [Fact]
    public async Task The_admin_socket_may_be_tcp()
    {
        await using var ygg = YggdrasilAdminServer.Replaying("line-ysub", tcp: true);

        Assert.Equal([IPAddress.Parse(Sub)], await AdapterFor(ygg).MyAddressesAsync(None));
    }

    [Fact]
    public async Task A_bad_endpoint_is_reported_not_thrown_by_check()
    {
        var health = await AdapterFor("http://localhost:9001").CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal("bad yggdrasil admin endpoint \"http://localhost:9001\": use unix:///path/to/socket or tcp://host:port", health.Message);
    }

    [Fact]
    public async Task Silent_listener_times_out_with_a_clear_message()
    {
        await using var silent = new YggdrasilAdminServer((_, _) => null);

        var health = await AdapterFor(silent, TimeSpan.FromMilliseconds(200)).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal($"yggdrasil did not answer getSelf on {silent.SocketPath} within 0.2 s", health.Message);
    }

    [Fact]
    public async Task Cancellation_is_cancellation_not_a_timeout()
    {
        await using var silent = new YggdrasilAdminServer((_, _) => null);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AdapterFor(silent).SelfAsync(cancel.Token));
    }

    [Fact]
    public async Task Something_else_on_the_socket_is_not_mistaken_for_yggdrasil()
    {
        await using var web = new YggdrasilAdminServer((_, _) => "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");

        var health = await AdapterFor(web).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal($"something other than yggdrasil answers on {web.SocketPath} (it said \"HTTP/1.1 400 Bad Request  Connection: close\")", health.Message);
    }

    [Fact]
    public async Task A_connection_closed_without_an_answer_is_an_error()
    {
        await using var mute = new YggdrasilAdminServer((_, _) => "");

        var e = await Assert.ThrowsAsync<YggdrasilAdminException>(() => AdapterFor(mute).PeersAsync(None));

        Assert.Equal($"yggdrasil closed the admin connection on {mute.SocketPath} without answering getPeers", e.Message);
    }

    [Fact]
    public async Task A_connection_closed_mid_answer_is_an_error()
    {
        var truncated = YggdrasilFixtures.Read("line-yrel", "getPeers")[..200];
        await using var ygg = new YggdrasilAdminServer((_, _) => truncated);

        var e = await Assert.ThrowsAsync<YggdrasilAdminException>(() => AdapterFor(ygg).NeighboursAsync(None));

        Assert.StartsWith($"something other than yggdrasil answers on {ygg.SocketPath} (it said \"{{", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_that_stays_open_is_read_up_to_its_end()
    {
        // A server that keeps the connection open after its answer (as with keepalive) still gets a prompt reply.
        var answer = YggdrasilFixtures.Read("line-ysub", "getSelf");
        await using var ygg = new YggdrasilAdminServer((_, _) => answer);

        var self = await AdapterFor(ygg, TimeSpan.FromSeconds(30)).SelfAsync(None);

        Assert.Equal(IPAddress.Parse(Sub), self.Address);
    }

    [Fact]
    public async Task Each_request_is_one_plain_json_object_on_its_own_connection()
    {
        await using var ygg = YggdrasilAdminServer.Replaying("fresh-ysub");
        var adapter = AdapterFor(ygg);

        await adapter.CheckAsync(None);
        await adapter.RemotePeersAsync(RelKey, None);

        Assert.Equal("{\"request\":\"getSelf\"}", ygg.Requests[0]);
        Assert.Equal($"{{\"request\":\"debug_remoteGetPeers\",\"arguments\":{{\"key\":\"{RelKey}\"}}}}", ygg.Requests[1]);
    }

    [Fact]
    public async Task My_address_is_the_one_yggdrasil_derives_from_its_key()
    {
        await using var ygg = YggdrasilAdminServer.Replaying("line-yrel");

        Assert.Equal([IPAddress.Parse(Rel)], await AdapterFor(ygg).MyAddressesAsync(None));
    }

    [Fact]
    public async Task Neighbours_are_the_peers_with_their_interface()
    {
        await using var ygg = YggdrasilAdminServer.Replaying("line-yrel");

        var neighbours = await AdapterFor(ygg).NeighboursAsync(None);

        Assert.Equal([Gw, Sub], neighbours.Select(n => n.Address.ToString()));
        Assert.Equal(["tls://[fe80::74b8:2cff:fe50:ef2]:46669", "ylabrec-rs"], neighbours.Select(n => n.Interface));
        Assert.All(neighbours, n => Assert.Null(n.Cost));
    }

    [Fact]
    public async Task A_peer_that_is_down_is_not_a_neighbour()
    {
        await using var ygg = YggdrasilAdminServer.Replaying("v05-ysub");

        var neighbour = Assert.Single(await AdapterFor(ygg).NeighboursAsync(None));

        Assert.Equal((IPAddress.Parse(Rel), "ylab05-sr", (int?)1), (neighbour.Address, neighbour.Interface, neighbour.Cost));
    }

    [Fact]
    public async Task Reachable_hosts_after_traffic_are_the_relay_and_the_gateway()
    {
        await using var ygg = YggdrasilAdminServer.Replaying("line-ysub");

        var hosts = await AdapterFor(ygg).ReachableHostsAsync(None);

        Assert.Equal([Rel, Gw], hosts.Select(h => h.ToString()));
    }

    [Fact]
    public async Task A_fresh_subscriber_finds_the_gateway_by_asking_the_relay_for_its_peers()
    {
        await using var ygg = YggdrasilAdminServer.Replaying("fresh-ysub");

        var hosts = await AdapterFor(ygg).ReachableHostsAsync(None);

        // The DHT holds only the relay; the relay's peers include the gateway, whose peers are known.
        Assert.Equal([Rel, Gw], hosts.Select(h => h.ToString()));
        Assert.Equal(2, ygg.Count("debug_remoteGetPeers"));
        Assert.Equal(0, ygg.Count("getTree"));
    }

    [Fact]
    public async Task Without_remote_questions_the_scan_keeps_what_the_node_knows()
    {
        await using var ygg = new YggdrasilAdminServer((request, _) => request == "debug_remoteGetPeers"
            ? YggdrasilAdminServer.UnknownAction(request)
            : YggdrasilFixtures.Read("fresh-ysub", request));

        var hosts = await AdapterFor(ygg).ReachableHostsAsync(None);

        Assert.Equal([Rel], hosts.Select(h => h.ToString()));
        Assert.Equal(1, ygg.Count("debug_remoteGetPeers"));
    }

    [Fact]
    public async Task A_node_that_does_not_answer_leaves_the_others_found()
    {
        await using var ygg = new YggdrasilAdminServer((request, key) => request switch
        {
            "debug_remoteGetPeers" when key == GwKey => "{\"status\":\"error\",\"error\":\"timeout\",\"request\":null,\"response\":null}",
            "debug_remoteGetPeers" => YggdrasilFixtures.Read("fresh-ysub", "debug_remoteGetPeers.yrel"),
            _ => YggdrasilFixtures.Read("fresh-ysub", request),
        });

        var hosts = await AdapterFor(ygg).ReachableHostsAsync(None);

        Assert.Equal([Rel, Gw], hosts.Select(h => h.ToString()));
    }

    [Fact]
    public async Task A_0_5_node_gives_its_tree_and_is_not_walked()
    {
        await using var ygg = YggdrasilAdminServer.Replaying("v05-ysub");

        var hosts = await AdapterFor(ygg).ReachableHostsAsync(None);

        Assert.Equal([Rel, YggdrasilFixtures.V05Root, Gw], hosts.Select(h => h.ToString()));
        Assert.Equal(0, ygg.Count("getDHT"));
        Assert.Equal(0, ygg.Count("debug_remoteGetPeers"));
    }

    [Fact]
    public async Task A_node_that_reports_coords_but_has_no_dht_is_asked_for_its_tree()
    {
        await using var ygg = new YggdrasilAdminServer((request, _) => request switch
        {
            "getSelf" => YggdrasilFixtures.Read("line-ysub", "getSelf"),
            "getDHT" => YggdrasilAdminServer.UnknownAction(request),
            _ => YggdrasilFixtures.Read("v05-ysub", request),
        });

        var hosts = await AdapterFor(ygg).ReachableHostsAsync(None);

        Assert.Contains(IPAddress.Parse(YggdrasilFixtures.V05Root), hosts);
        Assert.Equal(1, ygg.Count("getTree"));
    }

    [Fact]
    public async Task The_walk_stops_at_the_node_limit()
    {
        // Every node claims 50 new peers: an endless network.
        var next = 0;
        string Keys()
        {
            var keys = new List<string>();
            for (var i = 0; i < 50; i++)
                keys.Add($"\"{Interlocked.Increment(ref next):x64}\"");
            return "[" + string.Join(",", keys) + "]";
        }
        await using var ygg = new YggdrasilAdminServer((request, _) => request == "debug_remoteGetPeers"
            ? $"{{\"status\":\"success\",\"response\":{{\"200::1\":{{\"keys\":{Keys()}}}}}}}"
            : YggdrasilFixtures.Read("fresh-ysub", request));

        var hosts = await AdapterFor(ygg).ReachableHostsAsync(None);

        Assert.Equal(YggdrasilAdapter.MaxNodes, hosts.Count);
        Assert.True(ygg.Count("debug_remoteGetPeers") < YggdrasilAdapter.MaxNodes, $"{ygg.Count("debug_remoteGetPeers")} remote questions");
    }

    [Fact]
    public async Task Yggdrasil_announces_no_exits_and_is_not_asked()
    {
        await using var ygg = YggdrasilAdminServer.Replaying("line-ysub");

        Assert.Empty(await AdapterFor(ygg).ExitHintsAsync(None));
        Assert.Empty(ygg.Requests);
    }

    [Fact]
    public async Task A_list_answer_of_the_wrong_shape_is_an_error_not_a_crash()
    {
        await using var ygg = new YggdrasilAdminServer((_, _) => "{\"status\":\"success\",\"response\":{\"peers\":{\"a\":1}}}");

        var e = await Assert.ThrowsAsync<YggdrasilAdminException>(() => AdapterFor(ygg).NeighboursAsync(None));

        Assert.Equal($"yggdrasil on {ygg.SocketPath} sent a getPeers answer Mnigs cannot read: peers is not a list", e.Message);
    }
}
