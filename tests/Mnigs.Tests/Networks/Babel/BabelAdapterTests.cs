using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Networks;
using Mnigs.Networks.Babel;

namespace Mnigs.Tests.Networks.Babel;

public class BabelAdapterTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static BabelAdapter AdapterFor(int port, IPAddress? address = null, TimeSpan? timeout = null) =>
        new(new BabelOptions(LocalPort: port, Address: address, Timeout: timeout), NullLogger<BabelAdapter>.Instance);

    [Fact]
    public void Network_id_is_babel() => Assert.Equal("babel", AdapterFor(1).Name);

    [Fact]
    public async Task Check_reports_the_daemon_that_greets()
    {
        await using var babeld = BabelReplayServer.Replaying("line-sub");

        var health = await AdapterFor(babeld.Port).CheckAsync(None);

        Assert.True(health.Available, health.Message);
        Assert.Equal($"babeld-1.12.1 on ::1 port {babeld.Port}, router id c0:2c:83:2d:bf:38:8b:a2", health.Message);
    }

    [Fact]
    public async Task Check_when_babeld_is_not_running_says_so()
    {
        var port = FreePort();

        var health = await AdapterFor(port).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal($"babeld is not running: no answer on ::1 port {port}", health.Message);
    }

    [Fact]
    public async Task Queries_when_babeld_is_not_running_throw_the_same_message()
    {
        var port = FreePort();

        var e = await Assert.ThrowsAsync<BabelLocalException>(() => AdapterFor(port).NeighboursAsync(None));

        Assert.Equal($"babeld is not running: no answer on ::1 port {port}", e.Message);
    }

    [Fact]
    public async Task Silent_listener_times_out_with_a_clear_message()
    {
        await using var silent = new BabelReplayServer("", "", silent: true);

        var health = await AdapterFor(silent.Port, timeout: TimeSpan.FromMilliseconds(200)).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal($"babeld did not answer on ::1 port {silent.Port} within 0.2 s", health.Message);
    }

    [Fact]
    public async Task Something_else_on_the_port_is_not_mistaken_for_babeld()
    {
        await using var web = new BabelReplayServer("HTTP/1.1 400 Bad Request\r\n\r\n", "");

        var health = await AdapterFor(web.Port).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal($"something other than babeld answers on ::1 port {web.Port} (it said \"HTTP/1.1 400 Bad Request\")", health.Message);
    }

    [Fact]
    public async Task A_future_protocol_major_version_is_refused()
    {
        await using var future = new BabelReplayServer("BABEL 2.0\nok\n", "ok\n");

        var health = await AdapterFor(future.Port).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Contains("speaks local protocol 2.0", health.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_is_cancellation_not_a_timeout()
    {
        await using var silent = new BabelReplayServer("", "", silent: true);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AdapterFor(silent.Port).DumpAsync(cancel.Token));
    }

    [Fact]
    public async Task My_addresses_are_the_host_routes_babeld_redistributes()
    {
        await using var babeld = BabelReplayServer.Replaying("line-relay");

        var mine = await AdapterFor(babeld.Port).MyAddressesAsync(None);

        Assert.Equal([IPAddress.Parse("10.77.0.2"), IPAddress.Parse("fd77::2")], mine);
    }

    [Fact]
    public async Task A_configured_address_wins_without_asking_babeld()
    {
        await using var babeld = BabelReplayServer.Replaying("line-relay");

        var mine = await AdapterFor(babeld.Port, address: IPAddress.Parse("10.77.9.9")).MyAddressesAsync(None);

        Assert.Equal([IPAddress.Parse("10.77.9.9")], mine);
        Assert.Equal(0, babeld.Connections);
    }

    [Fact]
    public async Task Default_route_is_not_one_of_my_addresses()
    {
        await using var babeld = BabelReplayServer.Replaying("exit-gw");

        var mine = await AdapterFor(babeld.Port).MyAddressesAsync(None);

        Assert.Equal([IPAddress.Parse("10.77.0.3"), IPAddress.Parse("fd77::3")], mine);
    }

    [Fact]
    public async Task Neighbours_are_link_local_with_interface_and_cost()
    {
        await using var babeld = BabelReplayServer.Replaying("line-relay");

        var neighbours = await AdapterFor(babeld.Port).NeighboursAsync(None);

        Assert.Equal(["mnlrec-rs", "mnlrec-rg"], neighbours.Select(n => n.Interface));
        Assert.All(neighbours, n => Assert.True(n.Address.IsIPv6LinkLocal));
        Assert.All(neighbours, n => Assert.Equal(96, n.Cost));
    }

    [Fact]
    public async Task A_lost_neighbour_is_not_a_neighbour_and_its_hosts_are_not_reachable()
    {
        await using var babeld = BabelReplayServer.Replaying("lost-sub");
        var adapter = AdapterFor(babeld.Port);

        Assert.Empty(await adapter.NeighboursAsync(None));
        Assert.Empty(await adapter.ReachableHostsAsync(None));
    }

    [Fact]
    public async Task Reachable_hosts_are_installed_host_routes_except_mine_nearest_first()
    {
        await using var babeld = BabelReplayServer.Replaying("line-sub");

        var hosts = (await AdapterFor(babeld.Port).ReachableHostsAsync(None)).Select(h => h.ToString()).ToList();

        Assert.Equal(["10.77.0.2", "10.77.0.3", "fd77::2", "fd77::3"], hosts.Order());
        // The relay (one hop) comes before the gateway (two hops), in each family: a scan starts near.
        Assert.True(hosts.IndexOf("10.77.0.2") < hosts.IndexOf("10.77.0.3"));
        Assert.True(hosts.IndexOf("fd77::2") < hosts.IndexOf("fd77::3"));
    }

    [Fact]
    public async Task Neighbour_hosts_are_the_addresses_neighbours_originate()
    {
        await using var babeld = BabelReplayServer.Replaying("line-sub");

        var hosts = await AdapterFor(babeld.Port).NeighbourHostsAsync(None);

        Assert.Equal(["10.77.0.2", "fd77::2"], hosts.Select(h => h.ToString()).Order());
    }

    [Fact]
    public async Task Reachable_hosts_on_the_relay_are_listed_once_despite_backup_routes()
    {
        await using var babeld = BabelReplayServer.Replaying("line-relay");

        var hosts = await AdapterFor(babeld.Port).ReachableHostsAsync(None);

        Assert.Equal(["10.77.0.1", "10.77.0.3", "fd77::1", "fd77::3"], hosts.Select(h => h.ToString()).Order());
    }

    [Fact]
    public async Task Reachable_hosts_leave_out_the_default_route()
    {
        await using var babeld = BabelReplayServer.Replaying("exit-sub");

        var hosts = await AdapterFor(babeld.Port).ReachableHostsAsync(None);

        Assert.DoesNotContain(hosts, h => h.Equals(IPAddress.Any));
        Assert.Equal(4, hosts.Count);
    }

    [Fact]
    public async Task A_default_route_in_babel_is_an_exit_hint_from_the_gateway()
    {
        await using var babeld = BabelReplayServer.Replaying("exit-sub");

        var hints = await AdapterFor(babeld.Port).ExitHintsAsync(None);

        var hint = Assert.Single(hints);
        Assert.Equal("0.0.0.0/0", hint.Prefix);
        Assert.True(hint.Via!.IsIPv6LinkLocal);
        Assert.Equal("mnlrec-sr", hint.Interface);
        Assert.Equal(320, hint.Metric);
        // The router announcing 0/0 also announces 10.77.0.3: that is where the exit is.
        Assert.Equal(IPAddress.Parse("10.77.0.3"), hint.Origin);
    }

    [Fact]
    public async Task No_default_route_no_exit_hints()
    {
        await using var babeld = BabelReplayServer.Replaying("line-sub");

        Assert.Empty(await AdapterFor(babeld.Port).ExitHintsAsync(None));
    }

    [Fact]
    public async Task The_gateway_does_not_hint_at_its_own_default_route()
    {
        await using var babeld = BabelReplayServer.Replaying("exit-gw");

        Assert.Empty(await AdapterFor(babeld.Port).ExitHintsAsync(None));
    }

    [Fact]
    public async Task Garbage_in_the_answer_is_skipped()
    {
        var text = BabelFixtures.Read("line-sub");
        var answer = "add route garbage\n\u0007\u0000 nonsense\n" + BabelFixtures.DumpAnswer(text);
        await using var babeld = new BabelReplayServer(BabelFixtures.Greeting(text), answer);

        var dump = await AdapterFor(babeld.Port).DumpAsync(None);

        Assert.Equal(2, dump.SkippedLines);
        Assert.Equal(4, dump.Routes.Count);
    }

    [Fact]
    public async Task A_refused_request_is_an_error_not_an_empty_dump()
    {
        var text = BabelFixtures.Read("line-sub");
        await using var babeld = new BabelReplayServer(BabelFixtures.Greeting(text), "no permission denied\n");

        var e = await Assert.ThrowsAsync<BabelLocalException>(() => AdapterFor(babeld.Port).DumpAsync(None));

        Assert.Equal($"babeld on ::1 port {babeld.Port} refused `dump`: no permission denied", e.Message);
    }

    [Fact]
    public async Task A_connection_closed_mid_dump_is_an_error()
    {
        var text = BabelFixtures.Read("line-sub");
        var truncated = BabelFixtures.DumpAnswer(text)[..100];
        await using var babeld = new BabelReplayServer(BabelFixtures.Greeting(text), truncated, closeAfterAnswer: true);

        var e = await Assert.ThrowsAsync<BabelLocalException>(() => AdapterFor(babeld.Port).DumpAsync(None));

        Assert.Equal($"babeld closed the connection on ::1 port {babeld.Port} in the middle of `dump`", e.Message);
    }

    [Fact]
    public async Task Queries_within_a_second_share_one_dump()
    {
        await using var babeld = BabelReplayServer.Replaying("line-relay");
        var adapter = AdapterFor(babeld.Port);

        await adapter.CheckAsync(None);
        await adapter.NeighboursAsync(None);
        await adapter.ReachableHostsAsync(None);
        await adapter.NeighbourHostsAsync(None);

        // One conversation for the greeting, one dump for the three queries: a burst of peers'
        // meshNeighbours calls cannot make the daemon hammer babeld.
        Assert.Equal(2, babeld.Connections);

        await Task.Delay(TimeSpan.FromSeconds(1.1));
        await adapter.ReachableHostsAsync(None);
        Assert.Equal(3, babeld.Connections);
    }

    private static int FreePort()
    {
        // Bound then released: nothing listens there for the few milliseconds the test needs.
        using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
