using System.Net;
using System.Net.Sockets;
using System.Text;
using Mnigs.Networks.Cjdns;
using static Mnigs.Tests.Networks.Cjdns.CjdnsFixtures;

namespace Mnigs.Tests.Networks.Cjdns;

public class CjdnsAdminClientTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static string Text(byte[] bytes) => Encoding.ASCII.GetString(bytes);

    private static BencDictionary Page(int page) => new() { ["page"] = page };

    [Fact]
    public async Task Calls_on_node_1_send_exactly_the_recorded_datagrams()
    {
        await using var cjdroute = FakeCjdroute.Replaying(node: 1, cookie: NodeCookie);
        var client = cjdroute.Client();

        // In the recording's order, so that the txids (t0, t1, ...) are the recorded ones.
        var answers = new[]
        {
            await client.CallAsync("ping", null, None),
            await client.CallAsync("Core_nodeInfo", null, None),
            await client.CallAsync("NodeStore_nodeForAddr", null, None),
            await client.CallAsync("NodeStore_dumpTable", Page(0), None),
            await client.CallAsync("InterfaceController_peerStats", Page(0), None),
            await client.CallAsync("Admin_availableFunctions", Page(0), None),
        };

        var names = new[] { "node-00-ping", "node-01-Core_nodeInfo", "node-02-NodeStore_nodeForAddr", "node-03-NodeStore_dumpTable",
            "node-04-InterfaceController_peerStats", "node-05-Admin_availableFunctions" };
        var received = cjdroute.Received;
        Assert.Equal(12, received.Count);
        Assert.Equal(Text(Request("handshake-cookie")), Text(received[0]));
        for (var i = 0; i < names.Length; i++)
        {
            Assert.Equal($"d1:q6:cookie4:txid2:c{i}e", Text(received[2 * i]));
            Assert.Equal(Text(Request(names[i])), Text(received[2 * i + 1]));
            Assert.Equal(Text(Response(names[i])), Text(CjdrouteWire.Encode(answers[i])));
        }
        Assert.Equal("pong", answers[0].Text("q"));
        Assert.Equal(Node1, answers[1].Text("myIp6"));
    }

    [Theory]
    [InlineData(GwCookie, "node-gw-00-NodeStore_getLink", "node-gw-01-IpTunnel_allowConnection", "node-gw-02-IpTunnel_listConnections", "node-gw-03-IpTunnel_showConnection")]
    [InlineData(GwCookie, "node-sub-00-IpTunnel_connectTo", "node-sub-01-IpTunnel_listConnections")]
    [InlineData(Sub2Cookie, "node-sub2-00-IpTunnel_showConnection")]
    public async Task Calls_with_arguments_send_exactly_the_recorded_datagrams(string cookie, params string[] names)
    {
        var node = names[0].StartsWith("node-sub", StringComparison.Ordinal) ? 2 : 1;
        await using var cjdroute = FakeCjdroute.Replaying(node, cookie);
        var client = cjdroute.Client();

        foreach (var name in names)
        {
            var recorded = Decoded(Request(name));
            var answer = await client.CallAsync(recorded.Text("aq")!, recorded.Dictionary("args"), None);
            Assert.Equal(Text(Response(name)), Text(CjdrouteWire.Encode(answer)));
        }

        var sent = cjdroute.Received.Where((_, i) => i % 2 == 1).Select(Text).ToList();
        Assert.Equal(names.Select(n => Text(Request(n))), sent);
    }

    [Fact]
    public async Task The_fake_checks_hashes_as_cjdroute_does()
    {
        // Every recorded call passes with the recorded password and cookie; the wrong password's call does not.
        foreach (var name in Names.Where(n => n.StartsWith("node", StringComparison.Ordinal)))
        {
            var request = Request(name);
            var cookie = Decoded(request).Text("cookie")!;
            Assert.True(CjdrouteWire.AuthValid(request, Decoded(request), Password, cookie), name);
            Assert.False(CjdrouteWire.AuthValid(request, Decoded(request), "NONE2", cookie), name);
        }
        var wrong = Request("wrong-password-00-Core_nodeInfo");
        Assert.False(CjdrouteWire.AuthValid(wrong, Decoded(wrong), Password, WrongPasswordCookie));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_wrong_password_gets_cjdroutes_recorded_refusal_and_says_where_the_password_came_from()
    {
        await using var cjdroute = FakeCjdroute.Replaying(node: 1, cookie: WrongPasswordCookie);

        var e = await Assert.ThrowsAsync<CjdnsAdminException>(() => cjdroute.Client(password: "not the password").CallAsync("Core_nodeInfo", null, None));

        Assert.True(e.PasswordRefused);
        Assert.Equal($"cjdroute refused the admin password from the test's cjdroute.conf (admin interface 127.0.0.1 port {cjdroute.Port})", e.Message);
        var refusal = Decoded(Response("wrong-password-00-Core_nodeInfo"));
        Assert.Equal(refusal.Text("error"), e.CjdnsError);
    }

    [Fact]
    public async Task A_long_password_is_hashed_as_far_as_cjdroute_reads_it()
    {
        var password = new string('p', 80);
        await using var cjdroute = new FakeCjdroute((_, _) => new BencDictionary { ["error"] = "none" }, password: password);

        // cjdroute hashes only 63 bytes of password and cookie; the client does the same, so it is let in.
        await cjdroute.Client(password).CallAsync("ping", null, None);

        Assert.Equal(CjdnsAdminRequest.PassAndCookie(password, cjdroute.Cookie), Encoding.UTF8.GetBytes(password)[..63]);
    }

    [Fact]
    public async Task A_cjdroute_that_never_answers_is_a_timeout()
    {
        await using var cjdroute = FakeCjdroute.Replaying();
        cjdroute.Silent = true;

        var e = await Assert.ThrowsAsync<CjdnsAdminException>(() => cjdroute.Client(timeout: TimeSpan.FromMilliseconds(200)).CallAsync("ping", null, None));

        Assert.Equal($"cjdroute did not answer the request for a cookie on 127.0.0.1 port {cjdroute.Port} within 0.2 s", e.Message);
    }

    [Fact]
    public async Task A_call_that_is_never_answered_is_named_in_the_timeout()
    {
        await using var cjdroute = new FakeCjdroute((_, _) => null);
        cjdroute.Garbage = datagram => Text(datagram).Contains("6:cookie4:txid", StringComparison.Ordinal)
            ? CjdrouteWire.Encode(new BencDictionary { ["cookie"] = cjdroute.Cookie, ["txid"] = Decoded(datagram)["txid"]! })
            // An answer to some other call: passed over, as a late answer would be.
            : CjdrouteWire.Encode(new BencDictionary { ["error"] = "none", ["txid"] = "t999" });

        var e = await Assert.ThrowsAsync<CjdnsAdminException>(() => cjdroute.Client(timeout: TimeSpan.FromSeconds(1)).CallAsync("NodeStore_dumpTable", Page(0), None));

        Assert.Equal($"cjdroute did not answer NodeStore_dumpTable on 127.0.0.1 port {cjdroute.Port} within 1 s", e.Message);
    }

    [Fact]
    public async Task Nothing_on_the_port_means_cjdroute_is_not_running()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        var client = new CjdnsAdminClient(new CjdnsAdminEndpoint(IPAddress.Loopback, port, "NONE", "/etc/cjdroute.conf"), TimeSpan.FromSeconds(2));

        var e = await Assert.ThrowsAsync<CjdnsAdminException>(() => client.CallAsync("ping", null, None));

        Assert.Equal($"cjdroute is not running: nothing listens on 127.0.0.1 port {port} (from /etc/cjdroute.conf)", e.Message);
    }

    [Theory]
    [InlineData("HTTP/1.1 400 Bad Request\r\n\r\n", "does not speak cjdns' admin protocol: bad bencoding at byte 0: 0x48 cannot start a value")]
    [InlineData("li1ee", "does not speak cjdns' admin protocol: it sent [1]")]
    [InlineData("d6:cookie3:abc4:txid2:c0e", "does not speak cjdns' admin protocol: it answered the cookie request with {\"cookie\": \"abc\", \"txid\": \"c0\"}")]
    [InlineData("d6:cookie11:999999999994:txid2:c0e", "does not speak cjdns' admin protocol: it answered the cookie request with {\"cookie\": \"99999999999\", \"txid\": \"c0\"}")]
    public async Task Garbage_from_the_admin_port_is_a_clear_error(string garbage, string message)
    {
        await using var cjdroute = new FakeCjdroute((_, _) => null) { Garbage = _ => Encoding.ASCII.GetBytes(garbage) };

        var e = await Assert.ThrowsAsync<CjdnsAdminException>(() => cjdroute.Client().CallAsync("ping", null, None));

        Assert.Equal($"what answers on 127.0.0.1 port {cjdroute.Port} {message}", e.Message);
    }

    [Fact]
    public async Task An_error_in_the_answer_is_thrown_with_cjdroutes_words()
    {
        await using var cjdroute = FakeCjdroute.Replaying();

        var unknown = await Assert.ThrowsAsync<CjdnsAdminException>(() =>
            cjdroute.Client().CallAsync("NodeStore_getLink", new BencDictionary { ["parent"] = Node1, ["linkNum"] = 2 }, None));
        await using var older = new FakeCjdroute((_, _) => null);
        var missing = await Assert.ThrowsAsync<CjdnsAdminException>(() => older.Client().CallAsync("Nonsense_function", null, None));

        Assert.Equal($"cjdroute on 127.0.0.1 port {cjdroute.Port} answered NodeStore_getLink with the error \"unknown\"", unknown.Message);
        Assert.Equal("unknown", unknown.CjdnsError);
        Assert.False(unknown.UnknownFunction);
        Assert.True(missing.UnknownFunction);
        Assert.Equal($"cjdroute on 127.0.0.1 port {older.Port} has no admin function Nonsense_function: another cjdns version?", missing.Message);
    }

    [Fact]
    public async Task Paged_calls_ask_page_after_page_while_cjdroute_says_more()
    {
        // cjdroute's dumpTable: 4 entries a page, "more" while the page was full (NodeStore_admin.c).
        var entries = Enumerable.Range(0, 10).Select(i => (BencValue)new BencDictionary { ["n"] = i }).ToList();
        await using var cjdroute = new FakeCjdroute((function, args) =>
        {
            var page = (int)args.Integer("page")!.Value;
            var items = entries.Skip(page * 4).Take(4).ToList();
            var answer = new BencDictionary { ["routingTable"] = new BencList(items), ["count"] = entries.Count };
            if (items.Count == 4)
                answer["more"] = 1;
            return answer;
        });

        var all = await cjdroute.Client().CallPagedAsync("NodeStore_dumpTable", "routingTable", 100, None);
        var some = await cjdroute.Client().CallPagedAsync("NodeStore_dumpTable", "routingTable", 5, None);

        Assert.Equal(Enumerable.Range(0, 10), all.Items.Select(i => (int)((BencDictionary)i).Integer("n")!.Value));
        Assert.Equal((false, 3), (all.Truncated, all.Pages));
        Assert.Equal([0, 1, 2, 0, 1], cjdroute.Calls.Select(c => (int)c.Args.Integer("page")!.Value));
        Assert.Equal((5, true, 2), (some.Items.Count, some.Truncated, some.Pages));
    }

    [Fact]
    public async Task A_cjdroute_that_always_says_more_is_asked_a_bounded_number_of_pages()
    {
        await using var cjdroute = new FakeCjdroute((_, _) => new BencDictionary { ["peers"] = new BencList([new BencDictionary()]), ["more"] = 1 });

        var pages = await cjdroute.Client().CallPagedAsync("InterfaceController_peerStats", "peers", 50, None);

        Assert.Equal((50, true), (pages.Items.Count, pages.Truncated));
        Assert.Equal(50, cjdroute.Calls.Count);
    }

    [Fact]
    public async Task A_page_without_its_list_is_an_error()
    {
        await using var cjdroute = new FakeCjdroute((_, _) => new BencDictionary { ["peers"] = "none" });

        var e = await Assert.ThrowsAsync<CjdnsAdminException>(() => cjdroute.Client().CallPagedAsync("InterfaceController_peerStats", "peers", 50, None));

        Assert.Equal($"cjdroute's answer to InterfaceController_peerStats on 127.0.0.1 port {cjdroute.Port} has no list \"peers\": {{\"peers\": \"none\", \"txid\": \"t0\"}}", e.Message);
    }

    [Fact]
    public async Task Cancelling_is_not_a_timeout()
    {
        await using var cjdroute = FakeCjdroute.Replaying();
        cjdroute.Silent = true;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cjdroute.Client(timeout: TimeSpan.FromSeconds(30)).CallAsync("ping", null, cancel.Token));
    }
}
