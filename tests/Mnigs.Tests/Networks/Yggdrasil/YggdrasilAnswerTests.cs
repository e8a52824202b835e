using System.Net;
using System.Text.RegularExpressions;
using Mnigs.Networks.Yggdrasil;
using static Mnigs.Tests.Networks.Yggdrasil.YggdrasilFixtures.Recorded;

namespace Mnigs.Tests.Networks.Yggdrasil;

public partial class YggdrasilAnswerTests
{
    private static YggdrasilList<YggdrasilNode> Nodes(string node, string request) =>
        YggdrasilAnswer.Nodes(YggdrasilFixtures.Read(node, request), request);

    [Fact]
    public void Self_in_0_4_7_is_address_subnet_key_and_tree_coordinates()
    {
        var self = YggdrasilAnswer.Self(YggdrasilFixtures.Read("line-ysub", "getSelf"));

        Assert.Equal(IPAddress.Parse(Sub), self.Address);
        Assert.Equal(IPNetwork.Parse("300:9950:464:4218::/64"), self.Subnet);
        Assert.Equal(SubKey, self.Key);
        Assert.Equal([1UL, 2UL], self.Coords);
        Assert.True(self.KeepsDht);
        Assert.Null(self.RoutingEntries);
        // Debian's build records no version.
        Assert.Equal("unknown", self.BuildVersion);
        Assert.Null(self.Version);
    }

    [Fact]
    public void The_tree_root_has_empty_coordinates_not_none()
    {
        var gw = YggdrasilAnswer.Self(YggdrasilFixtures.Read("line-ygw", "getSelf"));

        Assert.NotNull(gw.Coords);
        Assert.Empty(gw.Coords);
        Assert.True(gw.KeepsDht);
    }

    [Fact]
    public void Self_in_0_5_has_routing_entries_and_no_dht()
    {
        var self = YggdrasilAnswer.Self(YggdrasilFixtures.Read("v05-ysub", "getSelf"));

        Assert.Equal(IPAddress.Parse(Sub), self.Address);
        Assert.Equal(3UL, self.RoutingEntries);
        Assert.Null(self.Coords);
        Assert.False(self.KeepsDht);
        Assert.Equal("0.5.14", self.Version);
    }

    [Fact]
    public void Relay_has_both_ends_of_the_line_as_peers()
    {
        var peers = YggdrasilAnswer.Peers(YggdrasilFixtures.Read("line-yrel", "getPeers"));

        Assert.Equal(0, peers.Skipped);
        Assert.Equal([Gw, Sub], peers.Items.Select(p => p.Address!.ToString()));
        Assert.Equal([GwKey, SubKey], peers.Items.Select(p => p.Key));
        Assert.All(peers.Items, p => Assert.True(p.Up));
        Assert.All(peers.Items, p => Assert.Null(p.Cost));
        Assert.Equal([1UL, 2UL], peers.Items.Select(p => p.Port));
    }

    [Fact]
    public void A_peer_that_dialled_in_names_its_interface_one_we_dialled_only_its_uri()
    {
        // 0.4.7 writes the zone of the link-local address only for inbound links.
        var peers = YggdrasilAnswer.Peers(YggdrasilFixtures.Read("line-yrel", "getPeers")).Items;

        Assert.Equal("tls://[fe80::74b8:2cff:fe50:ef2]:46669", peers[0].Interface);
        Assert.Equal("ylabrec-rs", peers[1].Interface);
    }

    [Fact]
    public void Peers_in_0_5_include_peers_that_are_down_without_an_address()
    {
        var peers = YggdrasilAnswer.Peers(YggdrasilFixtures.Read("v05-ysub", "getPeers"));

        Assert.Equal(0, peers.Skipped);
        var down = peers.Items[0];
        Assert.False(down.Up);
        Assert.Null(down.Address);
        Assert.Equal("tls://192.0.2.7:443", down.Interface);
        var up = peers.Items[1];
        Assert.True(up.Up);
        Assert.Equal(true, up.Inbound);
        Assert.Equal(1UL, up.Cost);
        Assert.Equal(IPAddress.Parse(Rel), up.Address);
        // In 0.5 the remote is a URI: the zone's '%' is escaped as %25.
        Assert.Equal("ylab05-sr", up.Interface);
    }

    [Fact]
    public void The_dht_of_0_4_7_lists_the_node_itself()
    {
        var dht = Nodes("line-yrel", "getDHT");

        Assert.Equal([Sub, Rel], dht.Items.Select(n => n.Address.ToString()));
        Assert.Contains(dht.Items, n => n.Key == RelKey);
    }

    [Fact]
    public void A_fresh_subscriber_knows_only_its_neighbour_not_the_far_end()
    {
        var dht = Nodes("fresh-ysub", "getDHT");

        Assert.Equal([Sub, Rel], dht.Items.Select(n => n.Address.ToString()));
        Assert.Empty(Nodes("fresh-ysub", "getPaths").Items);
        Assert.Empty(Nodes("fresh-ysub", "getSessions").Items);
    }

    [Fact]
    public void After_traffic_paths_and_sessions_hold_the_far_end()
    {
        var paths = Nodes("line-ysub", "getPaths");
        var sessions = Nodes("line-ysub", "getSessions");

        Assert.Contains(sessions.Items, n => n.Address.ToString() == Gw && n.Key == GwKey);
        // A lookup in progress: the same address under a key made from it, padded with ones.
        Assert.Equal([Gw, Gw, Rel], paths.Items.Select(n => n.Address.ToString()));
        Assert.EndsWith("ffffffff", paths.Items[1].Key, StringComparison.Ordinal);
    }

    [Fact]
    public void The_0_5_tree_gives_every_node_with_its_parent()
    {
        var tree = Nodes("v05-ysub", "getTree");

        Assert.Equal(4, tree.Items.Count);
        Assert.Equal(YggdrasilFixtures.V05Root, tree.Items[0].Address.ToString());
        Assert.Equal(tree.Items[0].Key, tree.Items[0].Parent);
        Assert.Equal(RelKey, Assert.Single(tree.Items, n => n.Address.ToString() == Sub).Parent);
    }

    [Fact]
    public void Remote_peers_are_the_keys_of_the_asked_nodes_neighbours()
    {
        var ofRelay = YggdrasilAnswer.RemotePeers(YggdrasilFixtures.Read("fresh-ysub", "debug_remoteGetPeers.yrel"));
        var ofGw = YggdrasilAnswer.RemotePeers(YggdrasilFixtures.Read("fresh-ysub", "debug_remoteGetPeers.ygw"));

        Assert.Equal([GwKey, SubKey], ofRelay.Items);
        Assert.Equal([RelKey], ofGw.Items);
    }

    [Fact]
    public void Every_key_in_every_fixture_gives_the_address_recorded_with_it()
    {
        var pairs = 0;
        foreach (var file in YggdrasilFixtures.All())
        {
            var text = File.ReadAllText(file);
            foreach (Match m in AddressThenKey().Matches(text))
            {
                Assert.Equal(IPAddress.Parse(m.Groups["address"].Value), YggdrasilAddress.ForKey(m.Groups["key"].Value));
                pairs++;
            }
        }
        Assert.True(pairs >= 25, $"only {pairs} address/key pairs found");
    }

    [Fact]
    public void Not_a_key_has_no_address()
    {
        Assert.Null(YggdrasilAddress.ForKey(""));
        Assert.Null(YggdrasilAddress.ForKey("xyz"));
        Assert.Null(YggdrasilAddress.ForKey(new string('g', 64)));
    }

    [Fact]
    public void An_unknown_request_is_a_refusal_that_says_so()
    {
        var e = Assert.Throws<YggdrasilAdminException>(() => YggdrasilAnswer.Nodes(YggdrasilFixtures.Read("line-ysub", "getTree"), "getTree", "/run/y.sock"));

        Assert.Equal("yggdrasil on /run/y.sock refused getTree: Unknown action 'gettree', try 'list' for help", e.Message);
        Assert.True(e.UnknownRequest);
    }

    [Fact]
    public void The_0_5_wording_of_unknown_is_recognised_too()
    {
        var e = Assert.Throws<YggdrasilAdminException>(() => Nodes("v05-ysub", "getDHT"));

        Assert.True(e.UnknownRequest);
    }

    [Fact]
    public void A_remote_node_that_does_not_answer_is_a_refusal_not_an_unknown_request()
    {
        var e = Assert.Throws<YggdrasilAdminException>(() =>
            YggdrasilAnswer.RemotePeers("{\"status\":\"error\",\"error\":\"timeout\",\"request\":null,\"response\":null}"));

        Assert.Equal("yggdrasil refused debug_remoteGetPeers: timeout", e.Message);
        Assert.False(e.UnknownRequest);
    }

    [Theory]
    [InlineData("HTTP/1.1 400 Bad Request\r\n\r\n", "something other than yggdrasil answers on S (it said \"HTTP/1.1 400 Bad Request\")")]
    [InlineData("[1,2]", "something other than yggdrasil answers on S (it said \"[1,2]\")")]
    [InlineData("{\"hello\":1}", "something other than yggdrasil answers on S (it said \"{\"hello\":1}\")")]
    [InlineData("", "something other than yggdrasil answers on S (it said \"\")")]
    [InlineData("{\"status\":\"success\"}", "yggdrasil on S sent a getSelf answer Mnigs cannot read: no response object")]
    [InlineData("{\"status\":\"success\",\"response\":[]}", "yggdrasil on S sent a getSelf answer Mnigs cannot read: no response object")]
    [InlineData("{\"status\":\"success\",\"response\":{}}", "yggdrasil on S sent a getSelf answer Mnigs cannot read: no node address (200::/8)")]
    [InlineData("{\"status\":\"success\",\"response\":{\"address\":\"fd00::1\"}}", "yggdrasil on S sent a getSelf answer Mnigs cannot read: no node address (200::/8)")]
    [InlineData("{\"status\":\"success\",\"response\":{\"address\":17}}", "yggdrasil on S sent a getSelf answer Mnigs cannot read: no node address (200::/8)")]
    [InlineData("{\"status\":\"error\"}", "yggdrasil on S refused getSelf: error")]
    [InlineData("{\"status\":\"success\",\"response\":{\"address\":\"200::1\"", "something other than yggdrasil answers on S (it said \"{\"status\":\"success\",\"response\":{\"address\":\"200::1\"\")")]
    public void A_malformed_self_is_an_error_with_a_plain_message(string answer, string message)
    {
        var e = Assert.Throws<YggdrasilAdminException>(() => YggdrasilAnswer.Self(answer, "S"));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void A_list_that_is_not_a_list_is_an_error()
    {
        var e = Assert.Throws<YggdrasilAdminException>(() =>
            YggdrasilAnswer.Peers("{\"status\":\"success\",\"response\":{\"peers\":\"nope\"}}"));

        Assert.Equal("yggdrasil sent a getPeers answer Mnigs cannot read: peers is not a list", e.Message);
    }

    [Fact]
    public void A_missing_or_null_list_is_empty()
    {
        Assert.Empty(YggdrasilAnswer.Nodes("{\"status\":\"success\",\"response\":{\"dht\":null}}", "getDHT").Items);
        Assert.Empty(YggdrasilAnswer.Nodes("{\"status\":\"success\",\"response\":{}}", "getSessions").Items);
    }

    [Fact]
    public void Entries_that_cannot_be_read_are_skipped_and_counted()
    {
        var answer = """
            {"status":"success","request":null,"response":{"sessions":[
              {"address":"not an address","key":"k"},
              7,
              {"address":"fe80::1%eth0","key":"k"},
              {"address":"300:1::1","key":"a subnet, not a node"},
              {"address":"200:7050:fbd3:de88:90b2:7b50:e3e:b7f3","key":"c7d7821610bbb7a6c257f8e0a40603193550ce5e3c15df276c901304b98886a7","colour":"blue"}
            ]}}
            """;

        var sessions = YggdrasilAnswer.Nodes(answer, "getSessions");

        Assert.Equal(4, sessions.Skipped);
        Assert.StartsWith("{\"address\":\"not an address\"", sessions.FirstSkipped, StringComparison.Ordinal);
        Assert.Equal(Rel, Assert.Single(sessions.Items).Address.ToString());
    }

    [Fact]
    public void A_connected_peer_without_an_address_is_skipped()
    {
        var peers = YggdrasilAnswer.Peers("""{"status":"success","response":{"peers":[{"key":"x","remote":"tls://[fe80::1]:1"}]}}""");

        Assert.Empty(peers.Items);
        Assert.Equal(1, peers.Skipped);
    }

    [Fact]
    public void Garbage_among_remote_keys_is_skipped()
    {
        var answer = "{\"status\":\"success\",\"response\":{\"200::1\":{\"keys\":[\"" + RelKey + "\",\"short\",3]}}}";

        var keys = YggdrasilAnswer.RemotePeers(answer);

        Assert.Equal([RelKey], keys.Items);
        Assert.Equal(2, keys.Skipped);
    }

    [Fact]
    public void Only_node_lists_are_lists_of_nodes() =>
        Assert.Throws<ArgumentException>(() => YggdrasilAnswer.Nodes("{}", "getSelf"));

    [GeneratedRegex("\"address\": \"(?<address>[0-9a-f:]+)\",\\s*\"key\": \"(?<key>[0-9a-f]{64})\"")]
    private static partial Regex AddressThenKey();
}
