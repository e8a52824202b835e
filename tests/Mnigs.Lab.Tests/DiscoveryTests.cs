using System.Text.Json.Nodes;
using Mnigs.Lab.Tests.Mesh;

namespace Mnigs.Lab.Tests;

/// <summary>
/// Discovery on a mesh that is not a line: eight nodes in a ring with a chord (so there are cycles and
/// several paths between most nodes) and two gateways on opposite sides (<see cref="GraphMesh.Standard8"/>).
/// </summary>
[Collection("lab")]
public sealed class DiscoveryTests
{
    private static readonly string[] GatewayNames = ["n3", "n7"];

    /// <summary>The standard eight-node mesh; tests that need a node to join later list the ones to start now.</summary>
    private static Task<GraphMesh> StandardMeshAsync(IEnumerable<string>? start = null, Func<string, string>? extraConfig = null) =>
        GraphMesh.StartAsync(GraphMesh.Standard8, start, extraConfig);

    [Fact]
    public async Task Breadth_first_scan_finds_every_node_and_both_gateways()
    {
        await using var mesh = await StandardMeshAsync();
        try
        {
            var scanner = mesh["n1"];
            var scan = await scanner.CliAsync("-s");
            Assert.True(scan.ExitCode == 0, scan.All);
            Assert.Contains("and 2 gateways", scan.Stdout);

            var last = await MeshRpc.CallAsync(scanner.Namespace, "127.0.0.1", "lastScan", null);
            Assert.True(last["success"]!.GetValue<bool>(), last.ToJsonString());
            var hosts = last["hosts"]!.AsArray().Select(h => h!.AsObject())
                .ToDictionary(h => h["address"]!.GetValue<string>(), h => h);

            // Every other node answered, on both of its mesh addresses, as what it is.
            foreach (var name in mesh.Names.Where(n => n != "n1"))
                foreach (var address in new[] { mesh.MeshAddress(name), mesh.MeshAddress6(name) })
                {
                    Assert.True(hosts.TryGetValue(address, out var host), $"{name} ({address}) missing from the scan: {last.ToJsonString()}");
                    Assert.True(host["answered"]!.GetValue<bool>(), $"{name} ({address}) did not answer: {host.ToJsonString()}");
                    Assert.Equal(name, host["name"]!.GetValue<string>());
                    Assert.Equal(GatewayNames.Contains(name) ? "gateway" : "node", host["kind"]!.GetValue<string>());
                }
            Assert.Equal("self", hosts[mesh.MeshAddress("n1")]["kind"]!.GetValue<string>());
            Assert.All(hosts.Keys, a => Assert.NotNull(mesh.NodeAt(a)));

            var gateways = last["gateways"]!.AsArray().Select(g => g!["address"]!.GetValue<string>()).Order().ToList();
            Assert.Equal([mesh.MeshAddress("n3"), mesh.MeshAddress("n7")], gateways);

            // The links are exactly the mesh's edges, cycle and chord included, each seen between IPv4 mesh addresses.
            var links = last["links"]!.AsArray().Select(l => (A: l!["a"]!.GetValue<string>(), B: l["b"]!.GetValue<string>())).ToList();
            Assert.All(last["links"]!.AsArray(), l => Assert.Equal("babel", l!["network"]!.GetValue<string>()));
            var edges = links.Select(l => Edge(mesh.NodeAt(l.A) ?? l.A, mesh.NodeAt(l.B) ?? l.B)).ToHashSet();
            var expected = mesh.Links.Select(l => Edge(l.A, l.B)).ToHashSet();
            Assert.True(expected.SetEquals(edges),
                $"expected edges {string.Join(' ', expected.Order())}, scanned {string.Join(' ', edges.Order())}");
            foreach (var (a, b) in new[] { ("n8", "n1"), ("n2", "n6"), ("n6", "n7"), ("n3", "n4") })
                Assert.Contains(links, l => Edge(l.A, l.B) == Edge(mesh.MeshAddress(a), mesh.MeshAddress(b)));
            Assert.Equal(mesh.Names.Order(), Reachable("n1", edges).Order());

            var list = await scanner.CliAsync("-l");
            Assert.True(list.ExitCode == 0, list.All);
            foreach (var gateway in GatewayNames)
            {
                var row = list.Stdout.Split('\n').SingleOrDefault(l => l.StartsWith(gateway + " ", StringComparison.Ordinal));
                Assert.True(row is not null, $"no row for {gateway} in:\n{list.Stdout}");
                Assert.Contains(mesh.MeshAddress(gateway), row);
                Assert.Contains("babel-wireguard-free", row);
            }
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + mesh.Logs, e);
        }
    }

    [Fact]
    public async Task Subscriber_connects_through_either_gateway()
    {
        await using var mesh = await StandardMeshAsync();
        try
        {
            // n5 is two hops from each gateway, with more than one path to n3.
            var sub = mesh["n5"];
            var scan = await sub.CliAsync("-s");
            Assert.True(scan.ExitCode == 0, scan.All);
            var before = await sub.ExecAsync("ping", "-c", "1", "-W", "1", GraphMesh.InternetHost);
            Assert.NotEqual(0, before.ExitCode);

            foreach (var name in GatewayNames)
            {
                var gateway = mesh[name];
                var other = mesh[GatewayNames.Single(g => g != name)];
                var connect = await sub.CliAsync("-c", mesh.MeshAddress(name));
                Assert.True(connect.ExitCode == 0, $"connect to {name}: {connect.All}\n{mesh.Logs}");
                Assert.Contains("babel-wireguard-free", connect.Stdout);

                var iface = (await sub.CliJsonAsync("status"))["subscriber"]!["connection"]!["interface"]!.GetValue<string>();
                await TunnelChecks.AssertTrafficThroughAsync(sub, iface, mesh.MeshAddress(name), $"through {name}\n{mesh.Logs}");

                // The session is on this gateway, not the other.
                var session = Assert.Single((await gateway.CliJsonAsync("sessions"))["sessions"]!.AsArray());
                Assert.Equal(mesh.MeshAddress("n5"), session!["meshAddress"]!.GetValue<string>());
                Assert.Empty((await other.CliJsonAsync("sessions"))["sessions"]!.AsArray());

                await TunnelChecks.AssertDisconnectLeavesNothingAsync(sub, gateway, other);
            }
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + mesh.Logs, e);
        }
    }

    private static string Edge(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? $"{a}-{b}" : $"{b}-{a}";

    private static HashSet<string> Reachable(string from, IEnumerable<string> edges)
    {
        var pairs = edges.Select(e => e.Split('-')).ToList();
        var reached = new HashSet<string> { from };
        var queue = new Queue<string>([from]);
        while (queue.TryDequeue(out var node))
            foreach (var p in pairs.Where(p => p.Contains(node)))
                foreach (var next in p.Where(reached.Add))
                    queue.Enqueue(next);
        return reached;
    }

    /// <summary>The standard eight plus n9, a leaf hanging off n5: a node with exactly one neighbour.</summary>
    private const string WithLeaf =
        "nodes=n1,n2,n3,n4,n5,n6,n7,n8,n9 links=n1-n2,n2-n3,n3-n4,n4-n5,n5-n6,n6-n7,n7-n8,n8-n1,n2-n6,n5-n9 gateways=n3,n7";

    /// <summary>Directory exchanges every 2 s and gateway records valid for 20 s, so expiry is testable.</summary>
    private static string FastDirectory(string _) => "[directory]\nsyncInterval = 2\nrecordLifetime = 20\n";

    private static async Task<List<string>> ListedGatewaysAsync(GraphMesh mesh, string node)
    {
        var list = await MeshRpc.CallAsync(mesh[node].Namespace, "127.0.0.1", "listGateways", null);
        return [.. list["gateways"]!.AsArray().Where(g => g!["managed"]!.GetValue<bool>()).Select(g => g!["name"]!.GetValue<string>()).Order()];
    }

    private static async Task<bool> EveryNodeListsAsync(GraphMesh mesh, IEnumerable<string> nodes, string[] expected, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var all = true;
            foreach (var node in nodes)
                all &= (await ListedGatewaysAsync(mesh, node)).SequenceEqual(expected);
            if (all)
                return true;
            if (DateTime.UtcNow > deadline)
                return false;
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task Every_node_learns_both_gateways_from_the_directory_and_a_late_leaf_from_its_one_neighbour_without_a_scan()
    {
        await using var mesh = await GraphMesh.StartAsync(WithLeaf, start: ["n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"], extraConfig: FastDirectory);
        try
        {
            // No node has scanned (periodic scans are off): what they know comes from the directory alone.
            var others = mesh.Names.Where(n => n != "n9").ToList();
            Assert.True(await EveryNodeListsAsync(mesh, others.Where(n => !GatewayNames.Contains(n)), ["n3", "n7"], TimeSpan.FromSeconds(30)),
                "not every node lists both gateways\n" + mesh.Logs);
            Assert.Equal(["n7"], await ListedGatewaysAsync(mesh, "n3"));
            Assert.Equal(["n3"], await ListedGatewaysAsync(mesh, "n7"));

            // n9 joins: it asks its only neighbour (n5) as it starts, before and without any scan.
            await mesh.StartNodesAsync("n9");
            Assert.Equal(["n3", "n7"], await ListedGatewaysAsync(mesh, "n9"));
            var bootstrap = System.Text.RegularExpressions.Regex.Match(mesh["n9"].Log, @"bootstrapped from 1 neighbours in (\d+) ms, 2 gateways known");
            Assert.True(bootstrap.Success, mesh["n9"].Log);
            var noScan = await MeshRpc.CallAsync(mesh["n9"].Namespace, "127.0.0.1", "lastScan", null);
            Assert.Equal("No scan has completed yet", noScan["errorMsg"]!.GetValue<string>());

            // What a scan would have cost instead: a nodeInfo to every node of the mesh, against one exchange with one neighbour.
            var scan = await mesh["n9"].CliAsync("-s");
            Assert.True(scan.ExitCode == 0, scan.All);
            var last = await MeshRpc.CallAsync(mesh["n9"].Namespace, "127.0.0.1", "lastScan", null);
            Assert.True(last["probed"]!.GetValue<int>() >= 8, last.ToJsonString());
            Assert.Equal(8, last["nodes"]!.GetValue<int>());
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + mesh.Logs, e);
        }
    }

    [Fact]
    public async Task A_stopped_gateway_disappears_from_every_list_and_a_crashed_one_within_its_record_lifetime()
    {
        await using var mesh = await StandardMeshAsync(extraConfig: FastDirectory);
        try
        {
            var plain = mesh.Names.Where(n => !GatewayNames.Contains(n)).ToList();
            Assert.True(await EveryNodeListsAsync(mesh, plain, ["n3", "n7"], TimeSpan.FromSeconds(30)), mesh.Logs);

            // A clean stop withdraws the record: gone everywhere within a few exchanges.
            await mesh["n3"].StopAsync();
            Assert.True(await EveryNodeListsAsync(mesh, plain, ["n7"], TimeSpan.FromSeconds(10)), "withdrawal did not spread\n" + mesh.Logs);

            // A crash withdraws nothing: the record runs out after its 20 s lifetime.
            var killed = DateTime.UtcNow;
            await mesh["n7"].KillAsync();
            Assert.True(await EveryNodeListsAsync(mesh, plain, [], TimeSpan.FromSeconds(20 + 2 * 2 + 5)), "expiry did not spread\n" + mesh.Logs);
            Assert.True(DateTime.UtcNow - killed > TimeSpan.FromSeconds(5), "gone before any record could have expired?");
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + mesh.Logs, e);
        }
    }

    [Fact]
    public async Task A_node_sending_forged_records_changes_nothing_on_the_others()
    {
        await using var mesh = await StandardMeshAsync(extraConfig: FastDirectory);
        try
        {
            var plain = mesh.Names.Where(n => !GatewayNames.Contains(n)).ToList();
            Assert.True(await EveryNodeListsAsync(mesh, plain, ["n3", "n7"], TimeSpan.FromSeconds(30)), mesh.Logs);

            // The attacker (in n1's namespace) fetches n3's genuine record from n2 ...
            var attacker = mesh["n1"].Namespace;
            var victim = mesh.MeshAddress("n2");
            var digest = await MeshRpc.CallAsync(attacker, victim, "directorySync",
                new JsonObject { ["message"] = new JsonObject { ["summary"] = "AAAAAAAAAAAAAAAAAAAAAA" } });
            var ids = digest["message"]!["digest"]!.AsObject().Select(kv => kv.Key).ToList();
            var fetched = await MeshRpc.CallAsync(attacker, victim, "directorySync", new JsonObject
            {
                ["message"] = new JsonObject { ["records"] = new JsonArray(), ["want"] = new JsonArray([.. ids.Select(i => (JsonNode)i)]) },
            });
            var genuine = fetched["message"]!["records"]!.AsArray().Select(r => r!.AsObject()).Single(r => r["name"]!.GetValue<string>() == "n3");

            // ... and offers a rewritten one: same id, higher sequence, its own uplink as the address, no valid signature.
            var forged = (JsonObject)genuine.DeepClone();
            forged["name"] = "free-wifi";
            forged["sequence"] = genuine["sequence"]!.GetValue<long>() + 1000;
            forged["addresses"] = new JsonArray(new JsonObject { ["network"] = "babel", ["address"] = mesh.MeshAddress("n1") });
            var offer = await MeshRpc.CallAsync(attacker, victim, "directorySync", new JsonObject
            {
                ["message"] = new JsonObject { ["records"] = new JsonArray(forged), ["want"] = new JsonArray() },
            });
            Assert.True(offer["success"]!.GetValue<bool>(), offer.ToJsonString());

            var status = await MeshRpc.CallAsync(mesh["n2"].Namespace, "127.0.0.1", "status", null);
            Assert.Equal(1, status["directory"]!["refused"]!["BadSignature"]!.GetValue<long>());
            // Everyone still lists exactly the genuine gateways, at their genuine addresses, after further exchanges.
            await Task.Delay(TimeSpan.FromSeconds(5));
            foreach (var node in plain)
            {
                Assert.Equal(["n3", "n7"], await ListedGatewaysAsync(mesh, node));
                var list = await MeshRpc.CallAsync(mesh[node].Namespace, "127.0.0.1", "listGateways", null);
                Assert.DoesNotContain(list["gateways"]!.AsArray(), g => g!["address"]!.GetValue<string>() == mesh.MeshAddress("n1"));
            }
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + mesh.Logs, e);
        }
    }
}
