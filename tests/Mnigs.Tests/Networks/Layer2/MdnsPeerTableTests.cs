using System.Net;
using Mnigs.Networks.Layer2;
using Mnigs.Networks.Layer2.Mdns;

namespace Mnigs.Tests.Networks.Layer2;

public sealed class MdnsPeerTableTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly SegmentLink Link = new("eth1", 2, true, true,
    [
        new SegmentAddress(IPAddress.Parse("10.79.0.1"), 24, true),
        new SegmentAddress(IPAddress.Parse("fd79::1"), 64, true),
        new SegmentAddress(IPAddress.Parse("fe80::1"), 64, false),
    ]);

    private static AnnouncedService Service(string instance, uint ttl = 120, string? id = null, params string[] addresses) =>
        new(instance + "._mnigs._tcp.local", id, instance, false, 65533, [.. addresses.Select(IPAddress.Parse)], ttl);

    [Fact]
    public void Only_addresses_on_the_segment_are_kept_with_the_sender_IPv4_first()
    {
        var table = new MdnsPeerTable();

        table.Apply(Service("a", 120, null, "fd79::2", "203.0.113.10", "10.79.0.255", "10.79.0.1", "fe80::2", "224.0.0.251", "10.80.0.2"),
            IPAddress.Parse("10.79.0.2"), Link.OnSegment, Now);

        var peer = Assert.Single(table.Live(Now));
        Assert.Equal(["10.79.0.2", "fd79::2"], peer.Addresses.Select(a => a.ToString()));
        Assert.Equal("a", peer.Name);
    }

    [Fact]
    public void A_service_with_no_address_on_the_segment_is_not_kept()
    {
        var table = new MdnsPeerTable();

        Assert.False(table.Apply(Service("a", 120, null, "203.0.113.10"), IPAddress.Parse("fe80::2"), Link.OnSegment, Now));
        Assert.Empty(table.Live(Now));
    }

    [Fact]
    public void A_peer_lasts_its_ttl_at_most_ten_minutes_and_leaves_on_goodbye()
    {
        var table = new MdnsPeerTable();
        var from = IPAddress.Parse("10.79.0.2");
        table.Apply(Service("a", 120), from, Link.OnSegment, Now);
        table.Apply(Service("b", uint.MaxValue), IPAddress.Parse("10.79.0.3"), Link.OnSegment, Now);

        Assert.Equal(2, table.Live(Now.AddSeconds(119)).Count);
        Assert.Equal("b", Assert.Single(table.Live(Now.AddSeconds(120))).Name);
        Assert.Empty(table.Live(Now + MdnsPeerTable.MaxTtl));

        table.Apply(Service("a"), from, Link.OnSegment, Now);
        Assert.True(table.Apply(Service("a", ttl: 0), from, Link.OnSegment, Now));
        Assert.Empty(table.Live(Now));
    }

    [Fact]
    public void A_flood_of_services_stops_at_the_capacity_and_known_peers_still_refresh()
    {
        var table = new MdnsPeerTable(capacity: 4);
        for (var i = 0; i < 100; i++)
            table.Apply(Service("x" + i), IPAddress.Parse($"10.79.0.{i + 2}"), Link.OnSegment, Now);

        Assert.Equal(["x0", "x1", "x2", "x3"], table.Live(Now).Select(p => p.Name).Order());
        Assert.True(table.Apply(Service("x0", 120, null, "10.79.0.99"), IPAddress.Parse("10.79.0.2"), Link.OnSegment, Now.AddSeconds(60)));
        Assert.False(table.Apply(Service("late"), IPAddress.Parse("10.79.0.200"), Link.OnSegment, Now.AddSeconds(60)));
        // Once the flood's records run out there is room again.
        Assert.True(table.Apply(Service("late"), IPAddress.Parse("10.79.0.200"), Link.OnSegment, Now.AddSeconds(150)));
        Assert.Equal(["late", "x0"], table.Live(Now.AddSeconds(150)).Select(p => p.Name));
    }

    [Fact]
    public void A_node_that_renamed_itself_shows_once_and_gateways_come_first()
    {
        var table = new MdnsPeerTable();
        table.Apply(Service("old", 120, "node1"), IPAddress.Parse("10.79.0.2"), Link.OnSegment, Now);
        table.Apply(Service("new", 120, "node1"), IPAddress.Parse("10.79.0.2"), Link.OnSegment, Now.AddSeconds(5));
        table.Apply(Service("z-gw", 120, "node2") with { Gateway = true }, IPAddress.Parse("10.79.0.3"), Link.OnSegment, Now);

        Assert.Equal(["z-gw", "new"], table.Live(Now.AddSeconds(6)).Select(p => p.Name));
    }

    [Fact]
    public void Known_answers_are_the_peers_with_more_than_half_their_ttl_left()
    {
        var table = new MdnsPeerTable();
        table.Apply(Service("a"), IPAddress.Parse("10.79.0.2"), Link.OnSegment, Now);

        Assert.Equal([("a._mnigs._tcp.local", 110u)], table.KnownAnswers(Now.AddSeconds(10)));
        Assert.Empty(table.KnownAnswers(Now.AddSeconds(61)));
    }
}
