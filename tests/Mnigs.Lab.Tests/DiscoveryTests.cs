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

                var ping = await sub.ExecAsync("ping", "-c", "3", "-i", "0.2", "-W", "2", GraphMesh.InternetHost);
                Assert.True(ping.ExitCode == 0, $"ping through {name}: {ping.All}\n{mesh.Logs}");
                var download = await sub.ExecAsync("curl", "-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                    $"http://{GraphMesh.InternetHost}/big.bin");
                Assert.True(download.ExitCode == 0, download.All);
                Assert.Equal("200 8388608", download.Stdout.Trim());

                // The session is on this gateway, not the other.
                var session = Assert.Single((await gateway.CliJsonAsync("sessions"))["sessions"]!.AsArray());
                Assert.Equal(mesh.MeshAddress("n5"), session!["meshAddress"]!.GetValue<string>());
                Assert.Empty((await other.CliJsonAsync("sessions"))["sessions"]!.AsArray());

                var disconnect = await sub.CliAsync("-d");
                Assert.True(disconnect.ExitCode == 0, disconnect.All);
                Assert.Empty((await gateway.CliJsonAsync("sessions"))["sessions"]!.AsArray());
                foreach (var node in new[] { sub, gateway, other })
                    Assert.Empty(await HostTraces.OfAsync(node.Namespace));
                Assert.Equal("nameserver 192.0.2.53\n", await File.ReadAllTextAsync(sub.ResolvConf));
                var after = await sub.ExecAsync("ping", "-c", "1", "-W", "1", GraphMesh.InternetHost);
                Assert.NotEqual(0, after.ExitCode);
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
}
