using System.Net;
using System.Text;
using Mnigs.Networks.Cjdns;
using static Mnigs.Tests.Networks.Cjdns.CjdnsFixtures;

namespace Mnigs.Tests.Networks.Cjdns;

public class CjdnsIpTunnelTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static readonly CjdnsTunnelAddress Recorded4 = new(IPAddress.Parse("10.66.0.2"), 0, 32);

    private static string Text(byte[] bytes) => Encoding.ASCII.GetString(bytes);

    private static List<string> SignedCalls(FakeCjdroute cjdroute) => [.. cjdroute.Received.Where((_, i) => i % 2 == 1).Select(Text)];

    /// <summary>Node 1's recording, and IpTunnel_removeConnection as IpTunnel_admin.c answers it (not recorded).</summary>
    private static FakeCjdroute GatewayWithRemove(List<int> removed)
    {
        var recorded = Recorded.For(1);
        return new FakeCjdroute((function, args) =>
        {
            if (function != "IpTunnel_removeConnection")
                return recorded(function, args);
            var connection = (int)args.Integer("connection")!.Value;
            if (connection != 0 || removed.Contains(0))
                return new BencDictionary { ["error"] = "not_found" };
            removed.Add(connection);
            return new BencDictionary { ["connection"] = connection, ["error"] = "none" };
        }, cookie: GwCookie);
    }

    [Fact]
    public async Task A_gateway_allows_a_subscribers_key_with_exactly_the_recorded_datagrams()
    {
        await using var cjdroute = FakeCjdroute.Replaying(node: 1, cookie: GwCookie);
        var client = cjdroute.Client();
        var tunnel = new CjdnsIpTunnel(client);

        // The recording asked NodeStore_getLink first (txid t0).
        await client.CallAsync("NodeStore_getLink", new BencDictionary { ["parent"] = Node1, ["linkNum"] = 0 }, None);
        var number = await tunnel.AllowConnectionAsync(Node2Key, Recorded4, null, None);
        var list = await tunnel.ListConnectionsAsync(None);
        var shown = await tunnel.ShowConnectionAsync(0, None);

        Assert.Equal(0, number);
        Assert.Equal([0], list);
        Assert.Equal(new CjdnsTunnelConnection(0, Node2Key, Outgoing: false, Recorded4, null), shown);
        Assert.Equal(
            new[] { "node-gw-00-NodeStore_getLink", "node-gw-01-IpTunnel_allowConnection", "node-gw-02-IpTunnel_listConnections", "node-gw-03-IpTunnel_showConnection" }
                .Select(n => Text(Request(n))),
            SignedCalls(cjdroute));
    }

    [Fact]
    public async Task A_subscriber_connects_to_the_gateways_key_with_exactly_the_recorded_datagrams()
    {
        await using var cjdroute = FakeCjdroute.Replaying(node: 2, cookie: GwCookie);
        var tunnel = new CjdnsIpTunnel(cjdroute.Client());

        Assert.Equal(0, await tunnel.ConnectToAsync(Node1Key, None));
        Assert.Equal([0], await tunnel.ListConnectionsAsync(None));

        Assert.Equal([Text(Request("node-sub-00-IpTunnel_connectTo")), Text(Request("node-sub-01-IpTunnel_listConnections"))], SignedCalls(cjdroute));
    }

    [Fact]
    public async Task A_subscriber_sees_the_address_the_gateway_gave_once_cjdns_has_it()
    {
        await using var cjdroute = FakeCjdroute.Replaying(node: 2, cookie: Sub2Cookie);

        var shown = await new CjdnsIpTunnel(cjdroute.Client()).ShowConnectionAsync(0, None);

        Assert.Equal(new CjdnsTunnelConnection(0, Node1Key, Outgoing: true, Recorded4, null), shown);
        Assert.Equal([Text(Request("node-sub2-00-IpTunnel_showConnection"))], SignedCalls(cjdroute));
    }

    [Fact]
    public async Task Revoking_a_released_subscriber_removes_its_connection()
    {
        var removed = new List<int>();
        await using var cjdroute = GatewayWithRemove(removed);
        var tunnel = new CjdnsIpTunnel(cjdroute.Client());

        Assert.Equal(1, await tunnel.RevokeAsync(Node2Key, None));

        Assert.Equal([0], removed);
        Assert.Equal(["IpTunnel_listConnections", "IpTunnel_showConnection", "IpTunnel_removeConnection"], cjdroute.Calls.Select(c => c.Function));
        Assert.False(await tunnel.RemoveConnectionAsync(0, None));
    }

    [Fact]
    public async Task Revoking_a_key_that_has_no_connection_removes_nothing()
    {
        var removed = new List<int>();
        await using var cjdroute = GatewayWithRemove(removed);

        Assert.Equal(0, await new CjdnsIpTunnel(cjdroute.Client()).RevokeAsync(Node1Key, None));

        Assert.Empty(removed);
    }

    [Fact]
    public async Task A_connection_cjdroute_does_not_have_is_none()
    {
        await using var cjdroute = new FakeCjdroute((_, _) => new BencDictionary { ["error"] = "connection not found" });

        Assert.Null(await new CjdnsIpTunnel(cjdroute.Client()).ShowConnectionAsync(7, None));
    }

    [Fact]
    public async Task Cjdroutes_refusal_of_an_allowance_is_thrown_in_its_words()
    {
        await using var cjdroute = new FakeCjdroute((_, _) => new BencDictionary { ["error"] = "ip4Prefix out of range: must be 0 to 32" });

        var e = await Assert.ThrowsAsync<CjdnsAdminException>(() => new CjdnsIpTunnel(cjdroute.Client()).AllowConnectionAsync(Node2Key, Recorded4, null, None));

        Assert.Equal($"cjdroute on 127.0.0.1 port {cjdroute.Port} answered IpTunnel_allowConnection with the error \"ip4Prefix out of range: must be 0 to 32\"", e.Message);
    }

    [Fact]
    public async Task Answers_without_a_connection_number_are_errors()
    {
        await using var cjdroute = new FakeCjdroute((_, _) => new BencDictionary { ["error"] = "none", ["connection"] = "zero" });

        var e = await Assert.ThrowsAsync<CjdnsAdminException>(() => new CjdnsIpTunnel(cjdroute.Client()).ConnectToAsync(Node1Key, None));

        Assert.StartsWith($"cjdroute on 127.0.0.1 port {cjdroute.Port} answered IpTunnel_connectTo with something Mnigs cannot read", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_keys_and_addresses_are_the_callers_bug_and_never_sent()
    {
        await using var cjdroute = FakeCjdroute.Replaying();
        var tunnel = new CjdnsIpTunnel(cjdroute.Client());

        await Assert.ThrowsAsync<ArgumentException>(() => tunnel.ConnectToAsync("not-a-key.k", None));
        await Assert.ThrowsAsync<ArgumentException>(() => tunnel.AllowConnectionAsync(Node2Key, null, null, None));
        await Assert.ThrowsAsync<ArgumentException>(() => tunnel.AllowConnectionAsync(Node2Key, new(IPAddress.Parse("fc00::1"), 0, 32), null, None));
        await Assert.ThrowsAsync<ArgumentException>(() => tunnel.AllowConnectionAsync(Node2Key, new(IPAddress.Parse("10.0.0.1"), 33, 32), null, None));
        await Assert.ThrowsAsync<ArgumentException>(() => tunnel.AllowConnectionAsync(Node2Key, null, new(IPAddress.Parse("fd00::2"), 0, 0), None));

        Assert.Empty(cjdroute.Received);
    }

    [Fact]
    public async Task An_ipv6_allowance_names_the_ipv6_arguments()
    {
        await using var cjdroute = new FakeCjdroute((_, _) => new BencDictionary { ["connection"] = 3, ["error"] = "none" });

        Assert.Equal(3, await new CjdnsIpTunnel(cjdroute.Client()).AllowConnectionAsync(Node2Key, null, new(IPAddress.Parse("fd00::2"), 0, 128), None));

        var args = Assert.Single(cjdroute.Calls).Args;
        Assert.Equal($"d10:ip6Address7:fd00::28:ip6Alloci128e9:ip6Prefixi0e25:publicKeyOfAuthorizedNode54:{Node2Key}e", Text(Bencode.Encode(args)));
    }
}
