using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Networks;
using Mnigs.Networks.Olsr;

namespace Mnigs.Tests.Networks.Olsr;

/// <summary>Every question of the adapter, asked of the recorded answers served over HTTP (or bare TCP, as olsrd 0.6 answers).</summary>
public sealed class OlsrAdapterTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static OlsrAdapter AdapterFor(string url, TimeSpan? timeout = null) =>
        new(new OlsrOptions(url, timeout), NullLogger<OlsrAdapter>.Instance);

    private static OlsrAdapter AdapterFor(OlsrJsonInfoServer server, TimeSpan? timeout = null) => AdapterFor(server.Url, timeout);

    private static IPAddress Ip(string s) => IPAddress.Parse(s);

    private static List<IPAddress> Ips(params string[] s) => [.. s.Select(IPAddress.Parse)];

    [Fact]
    public void Network_id_is_olsr() => Assert.Equal("olsr", AdapterFor(OlsrOptions.DefaultJsonInfo).Name);

    [Fact]
    public async Task Check_reports_the_version_the_url_and_the_main_address()
    {
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync("o1");

        var health = await AdapterFor(olsrd).CheckAsync(None);

        Assert.True(health.Available, health.Message);
        Assert.Equal($"olsrd pre-0.9.9 at {olsrd.Url}, main address 10.77.12.1", health.Message);
    }

    [Fact]
    public async Task Check_reads_the_version_of_olsrd_0_6_from_its_config_through_an_answer_without_http_headers()
    {
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync("v068-o1");

        var health = await AdapterFor(olsrd).CheckAsync(None);

        Assert.True(health.Available, health.Message);
        Assert.Equal($"olsrd 0.6.8.1 at {olsrd.Url}, main address 10.78.12.1", health.Message);
        Assert.Equal(0, olsrd.Asked("version"));
    }

    [Fact]
    public async Task Check_when_olsrd_is_not_running_says_so()
    {
        var url = $"http://127.0.0.1:{FreePort()}";

        var health = await AdapterFor(url).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal($"olsrd's jsoninfo plugin does not answer at {url}: connection refused (is olsrd running? load olsrd_jsoninfo in olsrd.conf)",
            health.Message);
    }

    [Fact]
    public async Task Queries_when_olsrd_is_not_running_throw_the_same_message_as_an_io_error()
    {
        var adapter = AdapterFor($"http://127.0.0.1:{FreePort()}");
        var health = await adapter.CheckAsync(None);

        var e = await Assert.ThrowsAsync<OlsrJsonInfoException>(() => adapter.NeighboursAsync(None));

        Assert.IsAssignableFrom<IOException>(e);
        Assert.Equal(health.Message, e.Message);
    }

    [Fact]
    public async Task A_host_olsrd_does_not_accept_is_told_to_set_the_accept_parameter()
    {
        await using var olsrd = await OlsrJsonInfoServer.HttpAsync(_ => (403, ""));

        var health = await AdapterFor(olsrd).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal($"olsrd's jsoninfo plugin at {olsrd.Url} refuses this host (HTTP 403): set PlParam \"accept\" \"127.0.0.1\" (or this host's address) in its LoadPlugin block",
            health.Message);
    }

    [Fact]
    public async Task A_connection_closed_without_an_answer_points_at_the_accept_parameter()
    {
        await using var olsrd = OlsrJsonInfoServer.Headerless(_ => null);

        var health = await AdapterFor(olsrd).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal($"olsrd's jsoninfo plugin at {olsrd.Url} closed the connection without answering /config (is this host in its \"accept\" parameter?)",
            health.Message);
    }

    [Fact]
    public async Task An_olsrd_that_does_not_answer_in_time_is_given_up_on()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";

        var health = await AdapterFor(url, TimeSpan.FromMilliseconds(200)).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal($"olsrd's jsoninfo plugin at {url} did not answer /config within 0.2 s", health.Message);
    }

    [Fact]
    public async Task Another_http_status_is_named()
    {
        await using var olsrd = await OlsrJsonInfoServer.HttpAsync(_ => (500, "oops"));

        var health = await AdapterFor(olsrd).CheckAsync(None);

        Assert.Equal($"olsrd's jsoninfo plugin at {olsrd.Url} answered /config with HTTP 500 Internal Server Error", health.Message);
    }

    [Fact]
    public async Task An_answer_larger_than_4_MiB_is_refused()
    {
        var huge = "{\"topology\": [" + string.Join(",", Enumerable.Repeat(
            "{\"lastHopIP\": \"10.0.0.1\", \"destinationIP\": \"10.0.0.2\", \"tcEdgeCost\": 1.000000}", 60_000)) + "]}";
        await using var olsrd = await OlsrJsonInfoServer.HttpAsync(_ => (200, huge));

        var e = await Assert.ThrowsAsync<OlsrJsonInfoException>(() => AdapterFor(olsrd).TopologyAsync(None));

        Assert.Equal($"olsrd's jsoninfo plugin at {olsrd.Url} sent more than 4 MiB for /topology; giving up", e.Message);
    }

    [Fact]
    public async Task A_truncated_answer_is_a_clear_error()
    {
        var links = OlsrFixtures.Read("o2", "links");
        await using var olsrd = await OlsrJsonInfoServer.HttpAsync(_ => (200, links[..(links.Length / 2)]));

        var e = await Assert.ThrowsAsync<OlsrJsonInfoException>(() => AdapterFor(olsrd).NeighboursAsync(None));

        Assert.StartsWith($"olsrd's jsoninfo plugin at {olsrd.Url} sent a /links answer that is not JSON, or was cut short (it began \"{{\"pid\": 19899,",
            e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_web_server_on_the_port_is_not_taken_for_olsrd()
    {
        await using var web = await OlsrJsonInfoServer.HttpAsync(_ => (200, "<html><body>It works!</body></html>"));

        var health = await AdapterFor(web).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal($"olsrd's jsoninfo plugin at {web.Url} sent a /config answer that is not JSON, or was cut short (it began \"<html><body>It works!</body></html>\")",
            health.Message);
    }

    [Fact]
    public async Task A_url_that_is_not_http_is_reported_by_check()
    {
        var health = await AdapterFor("https://127.0.0.1:9090").CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal("[olsr] jsoninfo must be an http:// URL such as http://127.0.0.1:9090, not \"https://127.0.0.1:9090\"", health.Message);
    }

    [Theory]
    [InlineData("o1", new[] { "10.77.12.1" })]
    [InlineData("o2", new[] { "10.77.12.2", "10.77.23.2" })]
    [InlineData("ipv6-o1", new[] { "fd78:12::1" })]
    [InlineData("v068-o1", new[] { "10.78.12.1" })]
    [InlineData("v068ipv6-o1", new[] { "fd78:12::1" })]
    public async Task My_addresses_are_the_main_address_then_the_interfaces(string node, string[] expected)
    {
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync(node);

        Assert.Equal(Ips(expected), await AdapterFor(olsrd).MyAddressesAsync(None));
    }

    [Fact]
    public async Task Neighbours_are_the_links_with_olsrds_cost()
    {
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync("o2");

        var neighbours = await AdapterFor(olsrd).NeighboursAsync(None);

        // 3.915039 and 4.035156 ETX, at 1024 per unit.
        Assert.Equal([new Neighbour(Ip("10.77.12.1"), "o2-o1", 4009), new Neighbour(Ip("10.77.23.3"), "o2-o3", 4132)], neighbours);
    }

    [Fact]
    public async Task Neighbours_of_olsrd_0_6_keep_its_whole_number_costs()
    {
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync("v068-o1");

        Assert.Equal([new Neighbour(Ip("10.78.12.2"), "", 2359)], await AdapterFor(olsrd).NeighboursAsync(None));
    }

    [Fact]
    public async Task Neighbour_hosts_are_main_addresses_not_link_addresses()
    {
        // o3's link goes to o2's fd78:23::2; o2's main address is fd78:12::2.
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync("ipv6-o3");
        var adapter = AdapterFor(olsrd);

        Assert.Equal(Ips("fd78:23::2"), (await adapter.NeighboursAsync(None)).Select(n => n.Address));
        Assert.Equal(Ips("fd78:12::2"), await adapter.NeighbourHostsAsync(None));
    }

    [Theory]
    [InlineData("o2", new[] { "10.77.12.1", "10.77.23.3" })]
    [InlineData("v068ipv6-o1", new[] { "fd78:12::2" })]
    public async Task Neighbour_hosts_are_the_symmetric_neighbours(string node, string[] expected)
    {
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync(node);

        Assert.Equal(Ips(expected), await AdapterFor(olsrd).NeighbourHostsAsync(None));
    }

    [Fact]
    public async Task Neighbours_of_a_node_come_from_the_topology_both_ways()
    {
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync("o1");
        var adapter = AdapterFor(olsrd);

        Assert.Equal(Ips("10.77.12.1", "10.77.23.3"), await adapter.NeighboursOfAsync(Ip("10.77.12.2"), None));
        Assert.Equal(Ips("10.77.12.2"), await adapter.NeighboursOfAsync(Ip("10.77.23.3"), None));
        Assert.Empty((await adapter.NeighboursOfAsync(Ip("10.9.9.9"), None))!);
    }

    [Theory]
    [InlineData("o1")]
    [InlineData("ipv6-o1")]
    [InlineData("v068-o3")]
    public async Task A_breadth_first_walk_from_the_neighbours_reaches_every_node_of_the_mesh(string node)
    {
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync(node);
        var adapter = AdapterFor(olsrd);
        var me = (await adapter.MyAddressesAsync(None))[0];

        var seen = new HashSet<IPAddress> { me };
        var level = (await adapter.NeighbourHostsAsync(None)).Where(seen.Add).ToList();
        while (level.Count > 0)
        {
            var next = new List<IPAddress>();
            foreach (var host in level)
                next.AddRange((await adapter.NeighboursOfAsync(host, None))!.Where(seen.Add));
            level = next;
        }

        var mesh = (await adapter.TopologyAsync(None)).Items.SelectMany(e => new[] { e.LastHop, e.Destination }).ToHashSet();
        Assert.Equal(3, mesh.Count);
        Assert.True(mesh.SetEquals(seen), string.Join(", ", seen));
    }

    [Theory]
    [InlineData("o1", new[] { "10.77.12.2", "10.77.23.2", "10.77.23.3" })]
    [InlineData("o2", new[] { "10.77.12.1", "10.77.23.3" })]
    [InlineData("ipv6-o3", new[] { "fd78:12::2", "fd78:23::2", "fd78:12::1" })]
    [InlineData("v068-o1", new[] { "10.78.12.2", "10.78.23.2", "10.78.23.3" })]
    public async Task Reachable_hosts_are_host_routes_cheapest_first_then_topology_nodes_never_my_own(string node, string[] expected)
    {
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync(node);

        Assert.Equal(Ips(expected), await AdapterFor(olsrd).ReachableHostsAsync(None));
    }

    [Fact]
    public async Task Topology_nodes_without_a_host_route_are_reachable_hosts_too()
    {
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync("o1", e => e == "routes" ? "{\"routes\": []}" : null);

        Assert.Equal(Ips("10.77.12.2", "10.77.23.3"), await AdapterFor(olsrd).ReachableHostsAsync(None));
    }

    [Theory]
    [InlineData("o1", "0.0.0.0/0", "10.77.12.2", "10.77.23.3", "o1-o2", 9580)]
    [InlineData("o2", "0.0.0.0/0", "10.77.23.3", "10.77.23.3", "o2-o3", 4132)]
    [InlineData("ipv6-o1", "::/0", "fd78:12::2", "fd78:23::3", "o1-o2", 5103)]
    [InlineData("v068-o1", "0.0.0.0/0", "10.78.12.2", "10.78.23.3", "o1-o2", 4320)]
    [InlineData("v068ipv6-o1", "::/0", "fd78:12::2", "fd78:23::3", "o1-o2", 4352)]
    public async Task An_hna_default_route_is_an_exit_hint_with_the_route_to_its_gateway(string node, string prefix, string via, string origin, string iface, int metric)
    {
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync(node);

        var hint = Assert.Single(await AdapterFor(olsrd).ExitHintsAsync(None));

        Assert.Equal(new ExitHint(prefix, Ip(via), Ip(origin), iface, metric), hint);
    }

    [Theory]
    [InlineData("ipv6-o3")]
    [InlineData("v068-o3")]
    public async Task The_gateway_itself_gets_no_hint_of_its_own_announcement(string node)
    {
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync(node);

        Assert.Empty(await AdapterFor(olsrd).ExitHintsAsync(None));
    }

    [Theory]
    [InlineData("hand-sgw-o1")]
    [InlineData("hand-v068sgw-o1")]
    public async Task Smart_gateways_are_exit_hints_for_each_family_they_offer(string gateways)
    {
        var node = gateways.Contains("v068", StringComparison.Ordinal) ? "v068-o1" : "o1";
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync(node, e => e switch
        {
            "gateways" => OlsrFixtures.Read(gateways, "gateways"),
            "hna" => "{\"hna\": []}",
            _ => null,
        });

        var hints = await AdapterFor(olsrd).ExitHintsAsync(None);

        if (node == "o1")
        {
            // 10.77.99.9 has no route: no hint.
            Assert.Equal([
                new ExitHint("0.0.0.0/0", Ip("10.77.12.2"), Ip("10.77.23.3"), "o1-o2", 9580),
                new ExitHint("::/0", Ip("10.77.12.2"), Ip("10.77.23.3"), "o1-o2", 9580)], hints);
        }
        else
        {
            Assert.Equal([
                new ExitHint("0.0.0.0/0", Ip("10.78.12.2"), Ip("10.78.23.3"), "o1-o2", 4320),
                new ExitHint("::/0", Ip("10.78.12.2"), Ip("10.78.23.2"), "o1-o2", 1989)], hints);
        }
    }

    [Fact]
    public async Task A_gateway_announced_by_hna_and_as_smart_gateway_is_one_hint()
    {
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync("o1", e => e == "gateways" ? OlsrFixtures.Read("hand-sgw-o1", "gateways") : null);

        var hints = await AdapterFor(olsrd).ExitHintsAsync(None);

        Assert.Equal(["0.0.0.0/0", "::/0"], hints.Select(h => h.Prefix));
    }

    [Fact]
    public async Task Answers_are_reused_for_a_second()
    {
        await using var olsrd = await OlsrJsonInfoServer.ReplayingAsync("o1");
        var adapter = AdapterFor(olsrd);

        await adapter.NeighboursAsync(None);
        await adapter.NeighboursAsync(None);
        await adapter.ExitHintsAsync(None);

        Assert.Equal(1, olsrd.Asked("links"));
        Assert.Equal(1, olsrd.Asked("routes"));
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
