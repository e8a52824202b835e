using System.Diagnostics;
using System.Text.Json.Nodes;
using Mnigs.Lab.Tests.Mesh;
using Xunit.Abstractions;

namespace Mnigs.Lab.Tests;

/// <summary>
/// Network layer2 on a real switch (lab/l2-mesh.sh): a Linux bridge, a gateway with its internet namespace
/// and subscribers, each with nothing but an address on the segment and <c>[layer2] interface</c> set; no
/// routing daemon runs. The daemons find each other by mDNS, and WireGuard runs over the segment.
/// </summary>
[Collection("lab")]
public sealed class Layer2Tests(ITestOutputHelper output)
{
    private const string Suite = "layer2-wireguard-free";
    private const string GatewayAddress = "10.79.0.1";

    [Fact]
    public async Task Subscribers_on_a_switch_find_the_gateway_by_mdns_connect_over_wireguard_and_a_later_node_finds_it_in_seconds()
    {
        await using var segment = await L2Segment.StartAsync(subscribers: 2);
        try
        {
            // Every daemon has layer2 up, at the address the segment gave it.
            foreach (var (node, address) in new[] { (segment.Gw, GatewayAddress), (segment["s1"], "10.79.0.11"), (segment["s2"], "10.79.0.12") })
            {
                var layer2 = await Layer2StatusAsync(node);
                Assert.True(layer2["available"]!.GetValue<bool>(), layer2.ToJsonString());
                Assert.Contains(address, layer2["addresses"]!.AsArray().Select(a => a!.GetValue<string>()));
            }

            // s1 finds the gateway with no address given: a scan starts from the daemons mDNS announced.
            var s1 = segment["s1"];
            var scan = await s1.CliAsync("-s");
            Assert.True(scan.ExitCode == 0, scan.All + segment.Logs);
            var list = await s1.CliAsync("-l");
            Assert.Contains("gw", list.Stdout);
            Assert.Contains(GatewayAddress, list.Stdout);
            Assert.Contains(Suite, list.Stdout);

            var before = await s1.ExecAsync("ping", "-c", "1", "-W", "1", TunnelChecks.InternetHost);
            Assert.NotEqual(0, before.ExitCode);
            var connect = await s1.CliAsync("-c", GatewayAddress);
            Assert.True(connect.ExitCode == 0, connect.All + segment.Logs);
            Assert.Contains(Suite, connect.Stdout);
            var iface = (await s1.CliJsonAsync("status"))["subscriber"]!["connection"]!["interface"]!.GetValue<string>();
            await TunnelChecks.AssertTrafficThroughAsync(s1, iface, GatewayAddress, "s1 over the switch\n" + segment.Logs);

            // s2 lets the autopilot pick, once its periodic scan or the directory has told it of the gateway.
            var s2 = segment["s2"];
            await WaitAsync(async () => (await s2.CliAsync("-l")).Stdout.Contains(Suite), TimeSpan.FromSeconds(30), "s2 never listed the gateway\n" + segment.Logs);
            var auto = await s2.CliAsync("-c", "auto");
            Assert.True(auto.ExitCode == 0, auto.All + segment.Logs);
            await WaitAsync(async () => (await s2.CliJsonAsync("status"))["subscriber"]!["connection"] is JsonObject, TimeSpan.FromSeconds(30),
                "the autopilot of s2 did not connect\n" + segment.Logs);
            var ping = await s2.ExecAsync("ping", "-c", "3", "-i", "0.2", "-W", "2", TunnelChecks.InternetHost);
            Assert.True(ping.ExitCode == 0, "s2: " + ping.All + segment.Logs);
            var sessions = (await segment.Gw.CliJsonAsync("sessions"))["sessions"]!.AsArray();
            Assert.Equal(["10.79.0.11", "10.79.0.12"], sessions.Select(s => s!["meshAddress"]!.GetValue<string>()).Order());

            // A third node plugged in later: it knows the gateway from mDNS alone (its neighbour table is empty),
            // and the gateway knows it from its announcement.
            await L2Segment.Script("join", segment.Prefix, "s3");
            var s3 = await segment.StartNodeAsync("s3");
            var clock = Stopwatch.StartNew();
            await WaitAsync(async () => (await MeshNeighboursAsync(s3, "127.0.0.1")).Contains(GatewayAddress), TimeSpan.FromSeconds(10),
                "s3 did not learn the gateway by mDNS within 10 s\n" + s3.Log);
            output.WriteLine($"s3 knew the gateway {clock.ElapsedMilliseconds} ms after its daemon answered");
            await WaitAsync(async () => (await MeshNeighboursAsync(s3, GatewayAddress)).Contains("10.79.0.13"), TimeSpan.FromSeconds(5),
                "the gateway did not learn s3 from its announcement\n" + segment.Gw.Log);
            Assert.True((await s3.CliAsync("-s")).ExitCode == 0);
            Assert.Contains(Suite, (await s3.CliAsync("-l")).Stdout);

            // mDNS is bound to the segment's interface: an announcement arriving on the gateway's uplink is not taken
            // in, one on the segment is (from s3's namespace, beside its daemon: port 5353 is shared).
            // (status shows the network monitor's last look, taken every 5 s)
            await WaitAsync(async () => (await Layer2MessageAsync(segment.Gw)).EndsWith("3 other daemons seen", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10), "the gateway's status does not count s1, s2 and s3\n" + segment.Gw.Log);
            await AnnounceAsync(segment.Namespace("inet"), $"{segment.Prefix}-ig", "uplink", "10.79.0.99");
            await AnnounceAsync(s3.Namespace, $"{segment.Prefix}-ns3", "segment", "10.79.0.13");
            await WaitAsync(async () => (await Layer2MessageAsync(segment.Gw)).EndsWith("4 other daemons seen", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10), "the gateway did not take in the announcement from the segment\n" + segment.Gw.Log);
            Assert.DoesNotContain("10.79.0.99", await MeshNeighboursAsync(s3, GatewayAddress));
            Assert.DoesNotContain("uplink._mnigs", segment.Gw.Log);

            Assert.True((await s2.CliAsync("-d")).ExitCode == 0);
            await TunnelChecks.AssertDisconnectLeavesNothingAsync(s1, segment.Gw);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + segment.Logs, e);
        }
    }

    [Fact]
    public async Task A_daemon_whose_layer2_interface_is_missing_unset_or_down_says_so_in_status()
    {
        await using var segment = await L2Segment.StartAsync(subscribers: 1, startDaemons: false);
        var missing = await segment.StartNodeAsync("s1", iface: "nosuch0");
        await AssertProblemAsync(missing, "layer2: interface nosuch0 does not exist: set [layer2] interface to the interface on the switched segment");
        await missing.DisposeAsync();

        var unset = await segment.StartNodeAsync("s1", iface: "");
        await AssertProblemAsync(unset, "layer2: no interface set: set [layer2] interface to the interface on the switched segment");
        await unset.DisposeAsync();

        var down = await segment.StartNodeAsync("s1");
        Assert.True((await Layer2StatusAsync(down))["available"]!.GetValue<bool>(), down.Log);
        await Shell.CheckedAsync("ip", "-n", down.Namespace, "link", "set", $"{segment.Prefix}-ns1", "down");
        // The network monitor looks again every 5 s.
        await WaitAsync(async () => (await ProblemsAsync(down)).Contains($"layer2: interface {segment.Prefix}-ns1 is down: bring it up (ip link set {segment.Prefix}-ns1 up)"),
            TimeSpan.FromSeconds(12), "status did not say the interface is down\n" + down.Log);
    }

    private static async Task AssertProblemAsync(LabNode node, string problem)
    {
        var layer2 = await Layer2StatusAsync(node);
        Assert.False(layer2["available"]!.GetValue<bool>());
        Assert.Equal(problem, layer2["message"]!.GetValue<string>());
        Assert.Contains(problem, await ProblemsAsync(node));
    }

    private static async Task<List<string>> ProblemsAsync(LabNode node) =>
        [.. (await node.CliJsonAsync("status"))["problems"]!.AsArray().Select(p => p!.GetValue<string>())];

    private static async Task<JsonObject> Layer2StatusAsync(LabNode node) =>
        (await node.CliJsonAsync("status"))["networks"]!.AsArray().Single(n => n!["name"]!.GetValue<string>() == "layer2")!.AsObject();

    private static async Task<string> Layer2MessageAsync(LabNode node) => (await Layer2StatusAsync(node))["message"]!.GetValue<string>();

    /// <summary>The layer2 neighbours the daemon at <paramref name="address"/> tells any peer (its public meshNeighbours), asked from <paramref name="from"/>'s namespace.</summary>
    private static async Task<List<string>> MeshNeighboursAsync(LabNode from, string address)
    {
        var answer = await MeshRpc.CallAsync(from.Namespace, address, "meshNeighbours", null);
        return [.. answer["networks"]!.AsArray().Where(n => n!["name"]!.GetValue<string>() == "layer2")
            .SelectMany(n => n!["neighbours"]!.AsArray().Select(a => a!.GetValue<string>()))];
    }

    /// <summary>A made-up daemon's mDNS announcement (gateway yes, address <paramref name="address"/>), multicast from <paramref name="ns"/> on <paramref name="iface"/>.</summary>
    private static async Task AnnounceAsync(string ns, string iface, string instance, string address)
    {
        const string Script = """
            import socket, struct, sys
            def name(n): return b"".join(bytes([len(l)]) + l.encode() for l in n.split(".")) + b"\0"
            iface, inst, addr = sys.argv[1:4]
            svc = "_mnigs._tcp.local"; full = inst + "." + svc; host = inst + ".local"
            def rr(n, t, data, cls=1): return name(n) + struct.pack("!HHIH", t, cls, 120, len(data)) + data
            recs = [rr(svc, 12, name(full)), rr(full, 33, struct.pack("!HHH", 0, 0, 65533) + name(host), 0x8001),
                    rr(full, 16, b"\x09txtvers=1\x0bgateway=yes", 0x8001), rr(host, 1, socket.inet_aton(addr), 0x8001)]
            msg = struct.pack("!HHHHHH", 0, 0x8400, 0, len(recs), 0, 0) + b"".join(recs)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", 5353))
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, struct.pack("4s4si", bytes(4), bytes(4), socket.if_nametoindex(iface)))
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
            s.sendto(msg, ("224.0.0.251", 5353))
            """;
        var r = await Shell.InNamespaceAsync(ns, "python3", "-c", Script, iface, instance, address);
        Assert.True(r.ExitCode == 0, "announcing from " + ns + ": " + r.All);
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(200);
        }
    }
}
