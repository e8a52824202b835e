using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Networks;
using Mnigs.Networks.Cjdns;
using static Mnigs.Tests.Networks.Cjdns.CjdnsFixtures;

namespace Mnigs.Tests.Networks.Cjdns;

public class CjdnsAdapterTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static CjdnsAdapter AdapterFor(FakeCjdroute cjdroute, string? password = null, TimeSpan? timeout = null) =>
        new(new CjdnsOptions(AdminAddress: IPAddress.Loopback, AdminPort: cjdroute.Port, AdminPassword: password ?? cjdroute.Password, Timeout: timeout),
            NullLogger<CjdnsAdapter>.Instance);

    [Fact]
    public void Network_id_is_cjdns() => Assert.Equal("cjdns", new CjdnsAdapter(new CjdnsOptions(), NullLogger<CjdnsAdapter>.Instance).Name);

    [Fact]
    public async Task Check_names_the_protocol_version_the_admin_port_and_the_address()
    {
        await using var cjdroute = FakeCjdroute.Replaying();

        var health = await AdapterFor(cjdroute).CheckAsync(None);

        Assert.Equal(AdapterHealth.Ok($"cjdroute (protocol v20) on 127.0.0.1 port {cjdroute.Port}, address {IPAddress.Parse(Node1)}"), health);
        Assert.Equal(["Core_nodeInfo"], cjdroute.Calls.Select(c => c.Function));
    }

    [Fact]
    public async Task Check_reads_the_admin_port_and_password_from_cjdroute_conf()
    {
        await using var cjdroute = FakeCjdroute.Replaying();
        var conf = Path.GetTempFileName();
        try
        {
            File.WriteAllText(conf, $$"""
                {
                    // as cjdroute --genconf writes it
                    "admin": { "bind": "127.0.0.1:{{cjdroute.Port}}", "password": "NONE", },
                }
                """);
            var adapter = new CjdnsAdapter(new CjdnsOptions(ConfigFile: conf, AdminPort: 1, AdminPassword: "ignored"), NullLogger<CjdnsAdapter>.Instance);

            Assert.True((await adapter.CheckAsync(None)).Available);

            File.WriteAllText(conf, $$"""{ "admin": { "bind": "127.0.0.1:{{cjdroute.Port}}", "password": "changed" } }""");
            Assert.Equal($"cjdroute refused the admin password from {conf} (admin interface 127.0.0.1 port {cjdroute.Port})", (await adapter.CheckAsync(None)).Message);
        }
        finally
        {
            File.Delete(conf);
        }
    }

    [Fact]
    public async Task Check_with_a_wrong_password_says_so()
    {
        await using var cjdroute = FakeCjdroute.Replaying();

        var health = await AdapterFor(cjdroute, password: "wrong").CheckAsync(None);

        Assert.Equal(AdapterHealth.Unavailable($"cjdroute refused the admin password from mnigs.conf [cjdns] (admin interface 127.0.0.1 port {cjdroute.Port})"), health);
    }

    [Fact]
    public async Task Check_when_cjdroute_does_not_answer_says_so()
    {
        await using var cjdroute = FakeCjdroute.Replaying();
        cjdroute.Silent = true;

        var health = await AdapterFor(cjdroute, timeout: TimeSpan.FromMilliseconds(200)).CheckAsync(None);

        Assert.Equal(AdapterHealth.Unavailable($"cjdroute did not answer the request for a cookie on 127.0.0.1 port {cjdroute.Port} within 0.2 s"), health);
    }

    [Fact]
    public async Task Check_without_the_config_file_names_it()
    {
        var adapter = new CjdnsAdapter(new CjdnsOptions(ConfigFile: "/nonexistent/mnigs-test/cjdroute.conf"), NullLogger<CjdnsAdapter>.Instance);

        var health = await adapter.CheckAsync(None);

        Assert.False(health.Available);
        Assert.StartsWith("cjdroute's config /nonexistent/mnigs-test/cjdroute.conf does not exist", health.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queries_when_cjdroute_is_not_running_throw_the_check_message()
    {
        await using var cjdroute = FakeCjdroute.Replaying();
        var adapter = AdapterFor(cjdroute);
        await cjdroute.DisposeAsync();

        var e = await Assert.ThrowsAsync<CjdnsAdminException>(() => adapter.NeighboursAsync(None));

        Assert.Equal($"cjdroute is not running: nothing listens on 127.0.0.1 port {cjdroute.Port} (from mnigs.conf [cjdns])", e.Message);
    }

    [Fact]
    public async Task My_address_is_cjdroutes_own()
    {
        await using var cjdroute = FakeCjdroute.Replaying();

        Assert.Equal([IPAddress.Parse(Node1)], await AdapterFor(cjdroute).MyAddressesAsync(None));
    }

    [Fact]
    public async Task A_cjdroute_without_Core_nodeInfo_describes_itself_through_its_NodeStore()
    {
        var recorded = Recorded.For(1);
        await using var cjdroute = new FakeCjdroute((function, args) => function == "Core_nodeInfo" ? null : recorded(function, args));
        var adapter = AdapterFor(cjdroute);

        var health = await adapter.CheckAsync(None);

        Assert.Equal($"cjdroute (protocol v20) on 127.0.0.1 port {cjdroute.Port}, address {IPAddress.Parse(Node1)}", health.Message);
        Assert.Equal([IPAddress.Parse(Node1)], await adapter.MyAddressesAsync(None));
        Assert.Equal(["Core_nodeInfo", "NodeStore_nodeForAddr"], cjdroute.Calls.Select(c => c.Function));
    }

    [Fact]
    public async Task Neighbours_are_the_established_peers_with_how_cjdns_reaches_them()
    {
        await using var cjdroute = FakeCjdroute.Replaying();

        var neighbours = await AdapterFor(cjdroute).NeighboursAsync(None);

        Assert.Equal([new Neighbour(IPAddress.Parse(Node2), "a2:2b:44:25:a5:e6", null)], neighbours);
    }

    [Fact]
    public async Task Neighbour_hosts_are_the_established_peers_addresses_asked_once_a_second()
    {
        await using var cjdroute = FakeCjdroute.Replaying();
        var adapter = AdapterFor(cjdroute);

        Assert.Equal([IPAddress.Parse(Node2)], await adapter.NeighbourHostsAsync(None));
        Assert.Equal([IPAddress.Parse(Node2)], await adapter.NeighbourHostsAsync(None));

        Assert.Single(cjdroute.Calls);
    }

    [Fact]
    public async Task Peers_without_an_established_session_and_peers_without_a_key_are_no_neighbours()
    {
        var keys = CjdnsKeys.Make(2);
        var peers = new BencList(
        [
            new BencDictionary { ["addr"] = "v20.0000.0000.0000.0013." + keys[0], ["state"] = "ESTABLISHED", ["lladdr"] = "10.0.0.2:11111" },
            new BencDictionary { ["addr"] = "v20.0000.0000.0000.0015." + keys[1], ["state"] = "UNRESPONSIVE", ["lladdr"] = "10.0.0.3:11111" },
            new BencDictionary { ["addr"] = "v20.0000.0000.0000.0017.nokey.k", ["state"] = "ESTABLISHED" },
            "not a peer",
        ]);
        await using var cjdroute = new FakeCjdroute((_, _) => new BencDictionary { ["peers"] = peers, ["total"] = 4 });

        var neighbours = await AdapterFor(cjdroute).NeighboursAsync(None);

        Assert.Equal([new Neighbour(CjdnsAddress.ForKey(keys[0])!, "10.0.0.2:11111", null)], neighbours);
    }

    [Fact]
    public async Task Neighbours_of_a_node_are_the_other_ends_of_its_links_in_the_NodeStore()
    {
        await using var cjdroute = FakeCjdroute.Replaying();

        var neighbours = await AdapterFor(cjdroute).NeighboursOfAsync(IPAddress.Parse(Node1), None);

        Assert.Equal([IPAddress.Parse(Node2)], neighbours);
        // linkCount 3 is one too many: links 0 (node 2) and 1 (itself), and link 2 is "unknown".
        Assert.Equal(["NodeStore_nodeForAddr", "NodeStore_getLink", "NodeStore_getLink", "NodeStore_getLink"], cjdroute.Calls.Select(c => c.Function));
        Assert.Equal([0, 1, 2], cjdroute.Calls.Skip(1).Select(c => (int)c.Args.Integer("linkNum")!.Value));
    }

    [Fact]
    public async Task Neighbours_of_a_node_cjdroute_does_not_know_are_none()
    {
        await using var cjdroute = new FakeCjdroute((_, _) => new BencDictionary { ["error"] = "none", ["result"] = new BencDictionary() });

        Assert.Equal([], (await AdapterFor(cjdroute).NeighboursOfAsync(IPAddress.Parse(Node2), None))!);
    }

    [Fact]
    public async Task Neighbours_of_an_address_outside_cjdns_cannot_be_told()
    {
        await using var cjdroute = FakeCjdroute.Replaying();

        Assert.Null(await AdapterFor(cjdroute).NeighboursOfAsync(IPAddress.Parse("10.0.0.1"), None));
        Assert.Null(await AdapterFor(cjdroute).NeighboursOfAsync(IPAddress.Parse("fd00::1"), None));
        Assert.Empty(cjdroute.Received);
    }

    [Fact]
    public async Task Reachable_hosts_are_the_routing_table_without_this_node()
    {
        await using var cjdroute = FakeCjdroute.Replaying();

        Assert.Equal([IPAddress.Parse(Node2)], await AdapterFor(cjdroute).ReachableHostsAsync(None));
    }

    [Fact]
    public async Task Reachable_hosts_come_from_every_page_of_the_routing_table()
    {
        var keys = CjdnsKeys.Make(10);
        var nodeInfo = Recorded.For(1);
        await using var cjdroute = new FakeCjdroute((function, args) =>
        {
            if (function != "NodeStore_dumpTable")
                return nodeInfo(function, args);
            // As NodeStore_admin.c pages it: 4 a page, "more" after a full page; this node itself among them.
            var table = keys.Take(5).Select((k, i) => $"v20.0000.0000.0000.{i + 0x13:x4}.{k}")
                .Append($"v20.0000.0000.0000.0001.{Node1Key}")
                .Concat(keys.Skip(5).Select(k => $"v20.0000.0000.0000.0099.{k}")).ToList();
            var page = (int)args.Integer("page")!.Value;
            var rows = table.Skip(page * 4).Take(4).Select(a => (BencValue)new BencDictionary { ["addr"] = a, ["path"] = a[4..23] }).ToList();
            var answer = new BencDictionary { ["routingTable"] = new BencList(rows), ["count"] = table.Count };
            if (rows.Count == 4)
                answer["more"] = 1;
            return answer;
        });

        var hosts = await AdapterFor(cjdroute).ReachableHostsAsync(None);

        Assert.Equal(keys.Select(k => CjdnsAddress.ForKey(k)!), hosts);
        Assert.Equal([0, 1, 2], cjdroute.Calls.Where(c => c.Function == "NodeStore_dumpTable").Select(c => (int)c.Args.Integer("page")!.Value));
    }

    [Fact]
    public async Task Cjdns_announces_no_exits()
    {
        await using var cjdroute = FakeCjdroute.Replaying();

        Assert.Empty(await AdapterFor(cjdroute).ExitHintsAsync(None));
        Assert.Empty(cjdroute.Received);
    }
}
