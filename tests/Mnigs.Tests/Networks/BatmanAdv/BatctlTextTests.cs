using Mnigs.Networks.BatmanAdv;
using static Mnigs.Tests.Networks.BatmanAdv.BatmanAdvFixtures;

namespace Mnigs.Tests.Networks.BatmanAdv;

public class BatctlTextTests
{
    private static MacAddress Mac(string text) => MacAddress.Parse(text);

    [Fact]
    public void Batman_iv_originators_are_one_line_per_node_and_next_hop_with_the_best_marked()
    {
        var table = BatctlText.Originators(Read("iv.originators.txt"));

        Assert.Equal(0, table.Skipped);
        Assert.Equal(7, table.Rows.Count);
        Assert.Equal(new BatmanAdvOriginator(Mac(D), TimeSpan.FromMilliseconds(1030), 221, null, Mac(B), "eth1", Best: true), table.Rows[4]);
        Assert.Equal(new BatmanAdvOriginator(Mac(D), TimeSpan.FromMilliseconds(1030), 160, null, Mac(C), "eth2", Best: false), table.Rows[5]);
        Assert.Equal([B, C, D, E], table.Rows.Where(o => o.Best).Select(o => o.Originator.ToString()));
    }

    [Fact]
    public void Batman_v_originators_carry_throughput_instead_of_tq()
    {
        var table = BatctlText.Originators(Read("v.originators.txt"));

        Assert.Equal(0, table.Skipped);
        Assert.Equal(5, table.Rows.Count);
        Assert.All(table.Rows, o => Assert.Null(o.Tq));
        Assert.Equal([100.0, 54.3, 48.2, 20.1, 11.7], table.Rows.Select(o => o.ThroughputMbits!.Value));
    }

    [Fact]
    public void The_header_batctl_prints_without_H_is_passed_over()
    {
        var withHeader = BatctlText.Originators(Read("iv.originators-with-header.txt"));

        Assert.Equal(0, withHeader.Skipped);
        Assert.Equal(BatctlText.Originators(Read("iv.originators.txt")).Rows, withHeader.Rows);
    }

    [Fact]
    public void Batman_iv_neighbours_are_interface_then_mac()
    {
        var table = BatctlText.Neighbours(Read("iv.neighbors.txt"));

        Assert.Equal(0, table.Skipped);
        Assert.Equal(
            [new BatmanAdvNeighbour(Mac(B), "eth1", TimeSpan.FromMilliseconds(120), null),
             new BatmanAdvNeighbour(Mac("02:ba:7a:00:01:03"), "eth1", TimeSpan.FromMilliseconds(640), null),
             new BatmanAdvNeighbour(Mac(C), "eth2", TimeSpan.FromMilliseconds(80), null)],
            table.Rows);
    }

    [Fact]
    public void Batman_v_neighbours_are_mac_then_throughput_and_interface()
    {
        var table = BatctlText.Neighbours(Read("v.neighbors.txt"));

        Assert.Equal(0, table.Skipped);
        Assert.Equal(new BatmanAdvNeighbour(Mac(C), "eth2", TimeSpan.FromMilliseconds(80), 54.3), table.Rows[1]);
    }

    [Fact]
    public void Gateways_carry_their_announced_bandwidth()
    {
        var iv = BatctlText.Gateways(Read("iv.gateways.txt"));
        var v = BatctlText.Gateways(Read("v.gateways.txt"));

        Assert.Equal(0, iv.Skipped + v.Skipped);
        Assert.Equal(new BatmanAdvGateway(Mac(D), 221, null, Mac(B), "eth1", 50.0, 10.0, Best: true), iv.Rows[0]);
        Assert.Equal(new BatmanAdvGateway(Mac(E), 199, null, Mac(C), "eth2", 10.0, 2.0, Best: false), iv.Rows[1]);
        Assert.Equal(["50.0/10.0 Mbit/s", "10.0/2.0 Mbit/s"], iv.Rows.Select(g => g.Bandwidth));
        Assert.Equal([48.2, 11.7], v.Rows.Select(g => g.ThroughputMbits!.Value));
    }

    [Fact]
    public void Global_translations_name_the_originator_behind_each_client()
    {
        var table = BatctlText.Translations(Read("iv.transglobal.txt"));

        Assert.Equal(0, table.Skipped);
        Assert.Equal(6, table.Rows.Count);
        Assert.Equal(new BatmanAdvTranslation(Mac("3c:22:fb:00:00:66"), -1, Mac(B), Best: true), table.Rows[1]);
        Assert.Equal(7, table.Rows[3].Vid);
    }

    [Fact]
    public void Hard_interfaces_are_active_or_not()
    {
        var table = BatctlText.Interfaces("eth1: active\nwlan0: inactive\nmesh0: <error reading status>\n");

        Assert.Equal(0, table.Skipped);
        Assert.Equal([new("eth1", true), new("wlan0", false), new("mesh0", false)], table.Rows);
    }

    [Fact]
    public void Lines_of_another_format_are_counted_never_thrown()
    {
        var table = BatctlText.Originators(" * node-b    0.520s   (251) 02:ba:7a:00:00:02 [      eth1]\n"   // a bat-hosts name: -n was not honoured
            + " * 02:ba:7a:00:00:02    0.520s   (999) 02:ba:7a:00:00:02 [      eth1]\n"                     // TQ above 255
            + Read("iv.originators.txt"));

        Assert.Equal(7, table.Rows.Count);
        Assert.Equal(2, table.Skipped);
        Assert.StartsWith(" * node-b", table.FirstSkipped);
    }

    [Fact]
    public void Mac_addresses_read_and_print_as_batctl_does()
    {
        Assert.True(MacAddress.TryParse("02:BA:7a:00:00:0f", out var mac));
        Assert.Equal("02:ba:7a:00:00:0f", mac.ToString());
        Assert.False(MacAddress.TryParse("02:ba:7a:00:00", out _));
        Assert.False(MacAddress.TryParse("02-ba-7a-00-00-0f", out _));
        Assert.False(MacAddress.TryParse("02:ba:7a:00:00:0g", out _));
        Assert.False(MacAddress.TryParse("+2:ba:7a:00:00:0f", out _));
    }
}
