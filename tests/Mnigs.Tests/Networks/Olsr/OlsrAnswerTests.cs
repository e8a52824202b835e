using System.Net;
using System.Net.Sockets;
using Mnigs.Networks.Olsr;

namespace Mnigs.Tests.Networks.Olsr;

/// <summary>The jsoninfo parsers on every recorded and hand-written answer, and on what other olsrd versions may print.</summary>
public sealed class OlsrAnswerTests
{
    private static IPAddress Ip(string s) => IPAddress.Parse(s);

    public static TheoryData<string> EveryFile() => [.. OlsrFixtures.All()];

    /// <summary>Every parser, on any answer (those not holding its section give an empty list), and how many entries it skipped.</summary>
    internal static readonly Func<string, int>[] Parsers =
    [
        json => OlsrAnswer.Links(json).Skipped,
        json => OlsrAnswer.Neighbours(json).Skipped,
        json => OlsrAnswer.Topology(json).Skipped,
        json => OlsrAnswer.Routes(json).Skipped,
        json => OlsrAnswer.Hna(json).Skipped,
        json => OlsrAnswer.Gateways(json).Skipped,
        json => OlsrAnswer.Interfaces(json).Skipped,
        json => OlsrAnswer.Config(json) is null ? 1 : 0,
    ];

    [Theory]
    [MemberData(nameof(EveryFile))]
    public void Every_fixture_is_accepted_by_every_parser_and_no_entry_is_skipped(string file)
    {
        var json = File.ReadAllText(Path.Combine(OlsrFixtures.Directory, file));

        Assert.All(Parsers, parse => Assert.Equal(0, parse(json)));
    }

    [Theory]
    [MemberData(nameof(RecordedNodes))]
    public void The_sections_of_all_read_as_the_single_answers(string node)
    {
        var all = OlsrFixtures.Read(node, "all");

        Assert.Equal(Keys(OlsrAnswer.Links(OlsrFixtures.Read(node, "links")).Items), Keys(OlsrAnswer.Links(all).Items));
        Assert.Equal(OlsrAnswer.Neighbours(OlsrFixtures.Read(node, "neighbors")).Items, OlsrAnswer.Neighbours(all).Items);
        Assert.Equal(OlsrAnswer.Topology(OlsrFixtures.Read(node, "topology")).Items.Select(e => (e.LastHop, e.Destination)),
            OlsrAnswer.Topology(all).Items.Select(e => (e.LastHop, e.Destination)));
        Assert.Equal(OlsrAnswer.Routes(OlsrFixtures.Read(node, "routes")).Items.Select(r => (r.Destination, r.Via)),
            OlsrAnswer.Routes(all).Items.Select(r => (r.Destination, r.Via)));
        Assert.Equal(OlsrAnswer.Hna(OlsrFixtures.Read(node, "hna")).Items, OlsrAnswer.Hna(all).Items);
        Assert.Equal(OlsrAnswer.Interfaces(OlsrFixtures.Read(node, "interfaces")).Items.Select(i => (i.Name, string.Join(",", i.Addresses))),
            OlsrAnswer.Interfaces(all).Items.Select(i => (i.Name, string.Join(",", i.Addresses))));
        Assert.Equal(OlsrAnswer.Config(OlsrFixtures.Read(node, "config")).MainAddress, OlsrAnswer.Config(all).MainAddress);

        static IEnumerable<(IPAddress, IPAddress, string)> Keys(IEnumerable<OlsrLink> links) => links.Select(l => (l.Local, l.Remote, l.Interface));
    }

    public static TheoryData<string> RecordedNodes() => [.. OlsrFixtures.RecordedNodes];

    [Fact]
    public void Links_of_olsrd_0_9_carry_etx_in_olsrds_unit_with_the_interface_and_status()
    {
        var link = Assert.Single(OlsrAnswer.Links(OlsrFixtures.Read("o1", "links")).Items);

        Assert.Equal(new OlsrLink(Ip("10.77.12.1"), Ip("10.77.12.2"), "o1-o2", 4.479492 * 1024, 0.481, 0.462, "SYMMETRIC"), link);
        Assert.True(link.Usable);
    }

    [Fact]
    public void Links_of_olsrd_0_6_have_whole_number_costs_and_no_interface()
    {
        var link = Assert.Single(OlsrAnswer.Links(OlsrFixtures.Read("v068-o1", "links")).Items);

        Assert.Equal(new OlsrLink(Ip("10.78.12.1"), Ip("10.78.12.2"), "", 2359, 0.662, 0.654, null), link);
    }

    [Fact]
    public void Sections_inside_the_data_list_of_olsrd_0_6_3_are_read()
    {
        var link = Assert.Single(OlsrAnswer.Links(OlsrFixtures.Read("hand-v063-o1", "links")).Items);

        Assert.Equal(Ip("10.78.12.2"), link.Remote);
        Assert.Equal(3005, link.Cost);
    }

    [Theory]
    [InlineData("\"linkCost\": 4194304.000000", false)]
    [InlineData("\"linkCost\": 4194304", false)]
    [InlineData("\"linkCost\": 4.5, \"currentLinkStatus\": \"ASYMMETRIC\"", false)]
    [InlineData("\"linkCost\": 4.5, \"currentLinkStatus\": \"LOST\"", false)]
    [InlineData("\"linkCost\": \"4.5\"", true)]
    [InlineData("\"linkQuality\": 1", true)]
    public void A_link_is_usable_unless_broken_or_not_symmetric(string fields, bool usable)
    {
        var json = $"{{\"links\": [{{\"localIP\": \"10.0.0.1\", \"remoteIP\": \"10.0.0.2\", {fields}}}]}}";

        Assert.Equal(usable, Assert.Single(OlsrAnswer.Links(json).Items).Usable);
    }

    [Theory]
    [InlineData("4.479492", 4587.0)]
    [InlineData("\"4.479492\"", 4587.0)]
    [InlineData("1.000000", 1024.0)]
    [InlineData("3005", 3005.0)]
    [InlineData("\"3005\"", 3005.0)]
    [InlineData("2", 2048.0)]
    [InlineData("4294967295.000000", 4294967295.0)]
    [InlineData("-1", null)]
    [InlineData("\"INFINITE\"", null)]
    [InlineData("null", null)]
    public void Costs_are_read_in_olsrds_unit_whatever_the_version_printed(string printed, double? cost)
    {
        var json = $"{{\"topology\": [{{\"lastHopIP\": \"10.0.0.1\", \"destinationIP\": \"10.0.0.2\", \"tcEdgeCost\": {printed}}}]}}";

        var edge = Assert.Single(OlsrAnswer.Topology(json).Items);

        Assert.Equal(cost, edge.Cost is { } c ? Math.Round(c) : null);
    }

    [Fact]
    public void Neighbours_are_read_under_every_name_versions_use()
    {
        Assert.Equal(new OlsrNeighbour(Ip("10.77.12.2"), true, 3), Assert.Single(OlsrAnswer.Neighbours(OlsrFixtures.Read("o1", "neighbors")).Items));
        Assert.Equal(new OlsrNeighbour(Ip("fd78:12::2"), true, 3), Assert.Single(OlsrAnswer.Neighbours(OlsrFixtures.Read("v068ipv6-o1", "neighbors")).Items));
        Assert.Equal(Ip("10.0.0.9"), Assert.Single(OlsrAnswer.Neighbours("{\"neighbors\": [{\"ipAddress\": \"10.0.0.9\", \"symmetric\": \"yes\"}]}").Items).Address);
    }

    [Fact]
    public void Routes_know_host_routes_and_olsrds_broken_cost()
    {
        var routes = OlsrAnswer.Routes(OlsrFixtures.Read("o1", "routes")).Items;

        Assert.Equal(new OlsrRoute(IPNetwork.Parse("0.0.0.0/0"), Ip("10.77.12.2"), 2, 9.355469 * 1024, "o1-o2"), routes[0]);
        Assert.Equal([false, true, true, true], routes.Select(r => r.IsHostRoute));
        Assert.False(Assert.Single(OlsrAnswer.Routes("{\"routes\": [{\"destination\": \"10.0.0.9\", \"genmask\": 32, \"rtpMetricCost\": 4294967295}]}").Items).Usable);
    }

    [Fact]
    public void Prefixes_take_a_length_a_netmask_or_a_slash_and_lose_their_host_bits()
    {
        var hna = OlsrAnswer.Hna("""
            {"hna": [
              {"destination": "10.1.2.3", "genmask": 24, "gateway": "10.0.0.1"},
              {"destination": "10.1.2.3", "genmask": "255.255.0.0", "gateway": "10.0.0.1"},
              {"destination": "0.0.0.0/0", "gateway": "10.0.0.1"},
              {"destination": "2000::", "genmask": "3", "gateway": "fd00::1"},
              {"destination": "10.1.2.3", "genmask": "255.0.255.0", "gateway": "10.0.0.1"},
              {"destination": "10.1.2.3", "genmask": 33, "gateway": "10.0.0.1"}
            ]}
            """);

        Assert.Equal(["10.1.2.0/24", "10.1.0.0/16", "0.0.0.0/0", "2000::/3"], hna.Items.Select(h => h.Prefix.ToString()));
        Assert.Equal([false, false, true, true], hna.Items.Select(h => h.IsInternet));
        Assert.Equal(2, hna.Skipped);
    }

    [Fact]
    public void Smart_gateways_of_both_formats_are_one_entry_per_node()
    {
        var v09 = OlsrAnswer.Gateways(OlsrFixtures.Read("hand-sgw-o1", "gateways")).Items;
        var v06 = OlsrAnswer.Gateways(OlsrFixtures.Read("hand-v068sgw-o1", "gateways")).Items;

        Assert.Equal([
            new OlsrGateway(Ip("10.77.23.3"), true, true, 9.355469 * 1024, 2, true),
            new OlsrGateway(Ip("10.77.99.9"), true, false, OlsrCost.RouteBroken, 0, false)], v09);
        Assert.Equal([
            new OlsrGateway(Ip("10.78.23.3"), true, false, 5741, 2, true),
            new OlsrGateway(Ip("10.78.23.2"), false, true, 3005, 1, false)], v06);
        Assert.Empty(OlsrAnswer.Gateways(OlsrFixtures.Read("o1", "gateways")).Items);
        Assert.Empty(OlsrAnswer.Gateways(OlsrFixtures.Read("v068-o1", "gateways")).Items);
        Assert.Empty(OlsrAnswer.Gateways("{\"error\": \"Gateway mode is only supported in Linux\"}").Items);
    }

    [Fact]
    public void Interfaces_give_their_olsr_address_and_whether_they_are_up()
    {
        Assert.Equal(["10.77.12.2", "10.77.23.2"],
            OlsrAnswer.Interfaces(OlsrFixtures.Read("o2", "interfaces")).Items.SelectMany(i => i.Addresses).Select(a => a.ToString()));
        Assert.Equal(["fd78:12::1"], OlsrAnswer.Interfaces(OlsrFixtures.Read("ipv6-o1", "interfaces")).Items.SelectMany(i => i.Addresses).Select(a => a.ToString()));
        var down = Assert.Single(OlsrAnswer.Interfaces("{\"interfaces\": [{\"name\": \"wlan0\", \"state\": \"down\", \"ipv4Address\": \"10.0.0.1\"}]}").Items);
        Assert.False(down.Up);
    }

    [Theory]
    [InlineData("o1", "10.77.12.1", AddressFamily.InterNetwork, null)]
    [InlineData("ipv6-o1", "fd78:12::1", AddressFamily.InterNetworkV6, null)]
    [InlineData("v068-o1", "10.78.12.1", AddressFamily.InterNetwork, "0.6.8.1")]
    [InlineData("v068ipv6-o1", "fd78:12::1", AddressFamily.InterNetworkV6, "0.6.8.1")]
    public void Config_gives_main_address_family_and_the_version_0_6_keeps_there(string node, string main, AddressFamily family, string? version) =>
        Assert.Equal(new OlsrConfig(Ip(main), family, version), OlsrAnswer.Config(OlsrFixtures.Read(node, "config")));

    [Theory]
    [InlineData("o1", "pre-0.9.9")]
    [InlineData("ipv6-o1", "pre-0.9.9")]
    [InlineData("v068-o1", "0.6.8.1")]
    public void The_version_is_read_from_version_or_from_everything(string node, string version) =>
        Assert.Equal(version, OlsrAnswer.Config(OlsrFixtures.Read(node, "version")).Version);

    [Fact]
    public void An_olsrd_0_9_0_version_without_a_release_version_is_cleaned_up() =>
        Assert.Equal("0.9.0.3", OlsrAnswer.Config("{\"version\": {\"version\": \"olsr.org - 0.9.0.3-git_abcdef0-hash_0123\", \"date\": \"\", \"host\": \"\"}}").Version);

    [Fact]
    public void Entries_without_addresses_are_skipped_and_counted()
    {
        var links = OlsrAnswer.Links("{\"links\": [{\"localIP\": \"10.0.0.1\", \"remoteIP\": \"10\"}, 5, {\"localIP\": \"10.0.0.1\", \"remoteIP\": \"10.0.0.2\"}]}");

        Assert.Single(links.Items);
        Assert.Equal(2, links.Skipped);
        Assert.Equal("{\"localIP\": \"10.0.0.1\", \"remoteIP\": \"10\"}", links.FirstSkipped);
    }

    [Theory]
    [InlineData("", "olsrd's jsoninfo plugin sent an empty /links answer")]
    [InlineData("[1, 2]", "olsrd's jsoninfo plugin sent a /links answer that is not a JSON object (it began \"[1, 2]\")")]
    [InlineData("{\"links\": {}}", "olsrd's jsoninfo plugin sent a /links answer Mnigs cannot read: links is not a list")]
    [InlineData("{\"pid\": 1, \"error\": \"Forbidden\"}", "olsrd's jsoninfo plugin refused /links: Forbidden")]
    [InlineData("{\"links\": [{\"localIP\": \"10.0.0.1\"", "olsrd's jsoninfo plugin sent a /links answer that is not JSON, or was cut short (it began \"{\"links\": [{\"localIP\": \"10.0.0.1\"\")")]
    public void Answers_of_the_wrong_shape_are_clear_errors(string json, string message)
    {
        var e = Assert.Throws<OlsrJsonInfoException>(() => OlsrAnswer.Links(json));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void An_answer_without_the_section_is_an_empty_list() =>
        Assert.Empty(OlsrAnswer.Links("{\"pid\": 1, \"systemTime\": 2}").Items);
}
