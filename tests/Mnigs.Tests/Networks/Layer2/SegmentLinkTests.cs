using System.Net;
using System.Text.Json;
using CsCheck;
using Mnigs.Networks.Layer2;

namespace Mnigs.Tests.Networks.Layer2;

public sealed class SegmentLinkTests
{
    /// <summary>What iproute2 6.1 printed for a lab veth with a static IPv4, a ULA, a tentative address and its link-local.</summary>
    public const string Veth = """
        [{"ifindex":2,"link_index":5,"ifname":"l2a-ns1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue",
          "operstate":"UP","group":"default","txqlen":1000,"link_type":"ether","address":"1a:a6:cc:56:a4:eb","broadcast":"ff:ff:ff:ff:ff:ff",
          "link_netnsid":0,"addr_info":[
            {"family":"inet","local":"10.79.0.11","prefixlen":24,"scope":"global","label":"l2a-ns1","valid_life_time":4294967295,"preferred_life_time":4294967295},
            {"family":"inet6","local":"fd79::11","prefixlen":64,"scope":"global","valid_life_time":4294967295,"preferred_life_time":4294967295},
            {"family":"inet6","local":"fd79::99","prefixlen":64,"scope":"global","tentative":true,"valid_life_time":4294967295,"preferred_life_time":4294967295},
            {"family":"inet6","local":"fe80::18a6:ccff:fe56:a4eb","prefixlen":64,"scope":"link","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]
        """;

    [Fact]
    public void A_veth_reads_with_its_index_state_and_addresses()
    {
        var link = SegmentLink.Parse(Veth)!;

        Assert.Equal(("l2a-ns1", 2, true, true), (link.Name, link.Index, link.Up, link.Carrier));
        Assert.Equal(["10.79.0.11/24", "fd79::11/64", "fe80::18a6:ccff:fe56:a4eb/64"], link.Addresses.Select(a => a.ToString()));
        Assert.Equal(["10.79.0.11/24", "fd79::11/64"], link.Usable.Select(a => a.ToString()));
    }

    [Fact]
    public void Down_and_no_carrier_are_told_apart()
    {
        var down = SegmentLink.Parse("""[{"ifindex":3,"ifname":"eth1","flags":["BROADCAST","MULTICAST"],"addr_info":[]}]""")!;
        var noCarrier = SegmentLink.Parse("""[{"ifindex":3,"ifname":"eth1","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"addr_info":[]}]""")!;

        Assert.False(down.Up);
        Assert.True(noCarrier.Up);
        Assert.False(noCarrier.Carrier);
    }

    [Fact]
    public void On_segment_means_another_host_in_one_of_the_subnets()
    {
        var link = SegmentLink.Parse(Veth)!;

        Assert.True(link.OnSegment(IPAddress.Parse("10.79.0.1")));
        Assert.True(link.OnSegment(IPAddress.Parse("fd79::1")));
        Assert.False(link.OnSegment(IPAddress.Parse("10.79.0.11")));
        Assert.False(link.OnSegment(IPAddress.Parse("10.79.0.0")));
        Assert.False(link.OnSegment(IPAddress.Parse("10.79.0.255")));
        Assert.False(link.OnSegment(IPAddress.Parse("10.79.1.1")));
        Assert.False(link.OnSegment(IPAddress.Parse("fe80::1")));
        Assert.False(link.OnSegment(IPAddress.Parse("ff02::fb")));
        Assert.True(link.IsLinkSource(IPAddress.Parse("fe80::1")));
        Assert.False(link.IsLinkSource(IPAddress.Parse("198.51.100.2")));
    }

    [Fact]
    public void The_neighbour_table_gives_live_entries_only()
    {
        const string json = """
            [{"dst":"10.79.0.1","lladdr":"4e:61:69:fc:34:fd","state":["REACHABLE"]},
             {"dst":"10.79.0.12","lladdr":"2e:99:20:07:81:25","state":["STALE"]},
             {"dst":"10.79.0.13","state":["FAILED"]},
             {"dst":"10.79.0.14","state":["INCOMPLETE"]},
             {"dst":"fe80::1","lladdr":"4e:61:69:fc:34:fd","router":null,"state":["DELAY"]},
             {"dst":"fd79::1","lladdr":"4e:61:69:fc:34:fd","state":["PERMANENT"]},
             {"dst":"not an address","state":["REACHABLE"]}]
            """;

        Assert.Equal(["10.79.0.1", "10.79.0.12", "fe80::1", "fd79::1"], SegmentNeighbours.Parse(json).Select(a => a.ToString()));
        Assert.Empty(SegmentNeighbours.Parse(""));
        Assert.Empty(SegmentNeighbours.Parse("{}"));
    }

    [Fact]
    public void Mutated_ip_output_gives_a_value_or_a_json_error()
    {
        const string neigh = """[{"dst":"10.79.0.1","lladdr":"4e:61:69:fc:34:fd","state":["REACHABLE"]}]""";
        var source = Gen.OneOf(Gen.Const(Veth), Gen.Const(neigh));
        Gen.Select(source, Gen.Int[0, 2000], Gen.Char["[]{}\",:0123456789.-aeflnrstu \\"], Gen.Int[0, 2]).Array[1, 6].Sample(edits =>
        {
            var text = edits[0].Item1;
            foreach (var (_, at, c, kind) in edits)
            {
                var i = at % (text.Length + 1);
                text = kind switch
                {
                    0 => text.Insert(i, c.ToString()),
                    1 when i < text.Length => text.Remove(i, 1),
                    _ => text[..i],
                };
            }
            try
            {
                _ = SegmentLink.Parse(text);
                _ = SegmentNeighbours.Parse(text);
                return true;
            }
            catch (JsonException)
            {
                return true;
            }
        }, iter: 20_000);
    }
}
