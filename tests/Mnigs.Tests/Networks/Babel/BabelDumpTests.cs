using System.Net;
using Mnigs.Networks.Babel;

namespace Mnigs.Tests.Networks.Babel;

public class BabelDumpTests
{
    [Fact]
    public void Greeting_names_the_protocol_the_daemon_and_the_router()
    {
        var dump = BabelDump.Parse(BabelFixtures.Read("line-relay"));

        Assert.Equal("1.0", dump.ProtocolVersion);
        Assert.Equal("babeld-1.12.1", dump.DaemonVersion);
        Assert.Equal("vm", dump.HostName);
        Assert.Equal("fc:85:21:73:e7:71:2d:7b", dump.RouterId);
        Assert.Equal(0, dump.SkippedLines);
    }

    [Fact]
    public void Relay_has_both_links_and_both_neighbours()
    {
        var dump = BabelDump.Parse(BabelFixtures.Read("line-relay"));
        var sub = BabelDump.Parse(BabelFixtures.Read("line-sub"));
        var gw = BabelDump.Parse(BabelFixtures.Read("line-gw"));

        Assert.Equal(["mnlrec-rs", "mnlrec-rg"], dump.Interfaces.Select(i => i.Name));
        Assert.All(dump.Interfaces, i => Assert.True(i.Up));
        Assert.All(dump.Interfaces, i => Assert.True(i.Ipv6!.IsIPv6LinkLocal));
        Assert.All(dump.Interfaces, i => Assert.Null(i.Ipv4));

        // The relay's neighbours are the link-local addresses of sub's and gw's interfaces.
        var bySub = Assert.Single(dump.Neighbours, n => n.Interface == "mnlrec-rs");
        var byGw = Assert.Single(dump.Neighbours, n => n.Interface == "mnlrec-rg");
        Assert.Equal(sub.Interfaces[0].Ipv6, bySub.Address);
        Assert.Equal(gw.Interfaces[0].Ipv6, byGw.Address);
        Assert.Equal((96, 96, 96), (byGw.RxCost, byGw.TxCost, byGw.Cost));
        Assert.Equal(0xffff, byGw.Reach); // the last 16 hellos all arrived
        Assert.True(byGw.Reachable);
    }

    [Fact]
    public void Xroutes_are_the_addresses_this_node_redistributes()
    {
        var dump = BabelDump.Parse(BabelFixtures.Read("line-relay"));

        Assert.Equal(["10.77.0.2/32", "fd77::2/128"], dump.Xroutes.Select(x => x.Prefix.ToString()));
        Assert.All(dump.Xroutes, x => Assert.Equal(0, x.Metric));
        Assert.All(dump.Xroutes, x => Assert.True(x.IsHostRoute));
        Assert.All(dump.Xroutes, x => Assert.Equal(0, x.From.PrefixLength));
    }

    [Fact]
    public void Relay_keeps_an_installed_route_and_a_backup_per_destination()
    {
        var dump = BabelDump.Parse(BabelFixtures.Read("line-relay"));
        var gw = BabelDump.Parse(BabelFixtures.Read("line-gw"));

        Assert.Equal(8, dump.Routes.Count);
        var toGw = Assert.Single(dump.Routes, r => r.Prefix.ToString() == "10.77.0.3/32" && r.Installed);
        Assert.Equal("mnlrec-rg", toGw.Interface);
        Assert.Equal((96, 0), (toGw.Metric, toGw.RefMetric));
        Assert.Equal(gw.RouterId, toGw.RouterId);
        Assert.True(toGw.Via.IsIPv6LinkLocal);
        Assert.Equal(IPNetwork.Parse("0.0.0.0/0"), toGw.From);
        var backup = Assert.Single(dump.Routes, r => r.Prefix.ToString() == "10.77.0.3/32" && !r.Installed);
        Assert.Equal((288, "mnlrec-rs"), (backup.Metric, backup.Interface));
    }

    [Fact]
    public void Default_route_announced_by_gw_reaches_sub_and_is_an_xroute_on_gw()
    {
        var sub = BabelDump.Parse(BabelFixtures.Read("exit-sub"));
        var gw = BabelDump.Parse(BabelFixtures.Read("exit-gw"));

        var exit = Assert.Single(sub.Routes, r => r.IsDefaultRoute);
        Assert.True(exit.Installed);
        Assert.Equal(gw.RouterId, exit.RouterId);
        Assert.Equal((320, 224), (exit.Metric, exit.RefMetric));
        var announced = Assert.Single(gw.Xroutes, x => x.Prefix.PrefixLength == 0);
        Assert.Equal(128, announced.Metric);
        Assert.DoesNotContain(gw.Routes, r => r.IsDefaultRoute);
    }

    [Fact]
    public void Lost_neighbour_has_infinite_cost_and_its_routes_infinite_metric()
    {
        var dump = BabelDump.Parse(BabelFixtures.Read("lost-sub"));

        var relay = Assert.Single(dump.Neighbours);
        Assert.Equal(BabelNeighbour.Infinity, relay.Cost);
        Assert.False(relay.Reachable);
        Assert.All(dump.Routes, r => Assert.Equal(BabelNeighbour.Infinity, r.Metric));
        // babeld keeps them installed (as unreachable routes in the kernel) until they expire.
        Assert.All(dump.Routes, r => Assert.True(r.Installed));
    }

    [Fact]
    public void Garbage_lines_are_skipped_and_counted()
    {
        var recorded = BabelFixtures.Read("line-sub");
        var text = BabelFixtures.Greeting(recorded)
            + "this is not babel\n"
            + "add route 1 prefix 10.77.0.9/32\n"
            + "add neighbour 2 address not-an-address if x reach ffff ureach 0000 rxcost 96 txcost 96 cost 96\n"
            + "add route 3 prefix 300.1.2.3/32 from 0.0.0.0/0 installed yes id x metric 1 refmetric 0 via fe80::1 if x\n"
            + "add interface eth9 up maybe\n"
            + "add frobnicator 7 a b\n"
            + "\0\u00ff\r\n\n"
            + BabelFixtures.DumpAnswer(recorded);

        var dump = BabelDump.Parse(text);

        Assert.Equal(7, dump.SkippedLines);
        Assert.Equal("this is not babel", dump.FirstSkippedLine);
        Assert.Equal(4, dump.Routes.Count);
        Assert.Single(dump.Neighbours);
        Assert.Single(dump.Interfaces);
    }

    [Fact]
    public void Unknown_keys_from_a_newer_babeld_are_ignored()
    {
        var dump = BabelDump.Parse(
            "add neighbour 5 address fe80::1 if eth0 reach ffff ureach 0000 rxcost 96 txcost 96 rtt 1.250 rttcost 12 cost 108\n"
            + "add route 6 prefix ::/0 from 2001:db8::/48 installed yes id 02:00:00:ff:fe:00:00:01 metric 300 refmetric 200 via fe80::1 if eth0 colour blue\n");

        Assert.Equal(0, dump.SkippedLines);
        Assert.Equal(108, Assert.Single(dump.Neighbours).Cost);
        var route = Assert.Single(dump.Routes);
        Assert.Equal(IPNetwork.Parse("2001:db8::/48"), route.From);
        Assert.True(route.IsDefaultRoute);
    }

    [Fact]
    public void Extra_greeting_lines_are_information_not_errors()
    {
        var dump = BabelDump.Parse("BABEL 1.0\nversion babeld-9.9\nhost h\nmy-id 02:00:00:ff:fe:00:00:01\nuptime 123\nok\n");

        Assert.Equal(0, dump.SkippedLines);
        Assert.Equal("babeld-9.9", dump.DaemonVersion);
    }

    [Fact]
    public void Empty_text_is_an_empty_dump()
    {
        var dump = BabelDump.Parse("");

        Assert.Null(dump.RouterId);
        Assert.Empty(dump.Routes);
        Assert.Equal(0, dump.SkippedLines);
    }
}
