using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Lab.Tests.Mesh;
using Xunit.Abstractions;

namespace Mnigs.Lab.Tests;

/// <summary>
/// Two networks at once: babel and Yggdrasil both run on every mesh node (lab/mesh.sh up --yggdrasil). A scan
/// covers both, the gateway is listed once with its address on each, and connecting to either address picks the
/// suite of the network that address is on; each connection carries traffic and leaves nothing behind.
/// </summary>
[Collection("lab")]
public sealed class DualNetworkTests(ITestOutputHelper output)
{
    private const string BabelSuite = "babel-wireguard-free";
    private const string YggdrasilSuite = "yggdrasil-wireguard-free";

    [Fact]
    public async Task A_gateway_on_babel_and_yggdrasil_is_listed_once_with_both_addresses_and_each_address_connects_over_its_own_network()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // sub keeps no directory: what it lists comes from its own scan of both networks alone.
        await using var mesh = await LabMesh.StartAsync(subExtra: "[directory]\nenabled = no\n", yggdrasil: true);
        output.WriteLine($"mesh {mesh.Prefix} and daemons up after {clock.Elapsed.TotalSeconds:F1} s; gw on yggdrasil at {mesh.GwYggdrasil}");
        try
        {
            Assert.StartsWith("2", mesh.GwYggdrasil); // 200::/7

            // The scan covers both networks: it reaches gw's daemon at its babel and at its Yggdrasil address.
            var scan = await mesh.Sub.CliJsonAsync("-s");
            var hosts = (scan["hosts"] as JsonArray ?? []).Select(h => h!.AsObject()).ToList();
            foreach (var address in new[] { LabMesh.GatewayMesh, mesh.GwYggdrasil })
                Assert.True(hosts.Any(h => Norm(h["address"]?.GetValue<string>() ?? "") == Norm(address)
                    && h["kind"]?.GetValue<string>() == "gateway" && h["answered"]?.GetValue<bool>() == true),
                    $"the scan did not reach gw at {address}: {scan.ToJsonString()}\n{mesh.Logs}");

            // (a) One entry for gw, with both addresses and a suite on each network.
            var listed = await MeshRpc.CallAsync(mesh.Sub.Namespace, "127.0.0.1", "listGateways", null);
            output.WriteLine($"scanned and listed after {clock.Elapsed.TotalSeconds:F1} s: {listed.ToJsonString()}");
            var gateways = listed["gateways"]!.AsArray().Select(g => g!.AsObject()).ToList();
            var gws = gateways.Where(g => g["name"]?.GetValue<string>() == "gw"
                || Addresses(g).Contains(LabMesh.GatewayMesh) || Addresses(g).Contains(Norm(mesh.GwYggdrasil))).ToList();
            Assert.True(gws.Count == 1, $"gw is listed {gws.Count} times: {listed.ToJsonString()}");
            var gw = gws[0];
            var addresses = Addresses(gw);
            Assert.True(addresses.Contains(LabMesh.GatewayMesh), listed.ToJsonString());
            Assert.True(addresses.Contains(Norm(mesh.GwYggdrasil)), listed.ToJsonString());
            var suites = gw["suites"]!.AsArray().Select(s => s!.GetValue<string>()).ToList();
            Assert.Contains(BabelSuite, suites);
            Assert.Contains(YggdrasilSuite, suites);
            Assert.DoesNotContain(gateways, g => Addresses(g).Contains(LabMesh.RelayMesh) || Addresses(g).Contains(Norm(mesh.RelayYggdrasil)));

            var before = await mesh.Sub.ExecAsync("ping", "-c", "1", "-W", "1", LabMesh.InternetHost);
            Assert.NotEqual(0, before.ExitCode);

            // (b) gw's Yggdrasil address: the tunnel runs over Yggdrasil. (c) Its babel address: over babel.
            await ConnectUseDisconnectAsync(mesh, mesh.GwYggdrasil, YggdrasilSuite);
            output.WriteLine($"over yggdrasil: connected, used and disconnected after {clock.Elapsed.TotalSeconds:F1} s");
            await ConnectUseDisconnectAsync(mesh, LabMesh.GatewayMesh, BabelSuite);
            output.WriteLine($"over babel: connected, used and disconnected after {clock.Elapsed.TotalSeconds:F1} s");

            // Both networks are untouched.
            var babel = await mesh.Sub.ExecAsync("ping", "-c", "1", "-W", "2", LabMesh.GatewayMesh);
            Assert.True(babel.ExitCode == 0, babel.All);
            var ygg = await mesh.Sub.ExecAsync("ping", "-6", "-c", "1", "-W", "2", mesh.GwYggdrasil);
            Assert.True(ygg.ExitCode == 0, ygg.All);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + mesh.Logs, e);
        }
    }

    /// <summary>A gateway entry's addresses, each written as <see cref="IPAddress"/> writes it (so comparable with <see cref="Norm"/>).</summary>
    private static List<string> Addresses(JsonObject gateway) =>
        [.. (gateway["addresses"] as JsonArray ?? []).Select(a => Norm(a?["address"]?.GetValue<string>() ?? ""))];

    private static string Norm(string address) => IPAddress.TryParse(address, out var ip) ? ip.ToString() : address;

    private static async Task ConnectUseDisconnectAsync(LabMesh mesh, string gatewayAddress, string suite)
    {
        var connect = await mesh.Sub.CliAsync("-c", gatewayAddress);
        Assert.True(connect.ExitCode == 0, $"-c {gatewayAddress}: " + connect.All + mesh.Logs);

        var connection = (await mesh.Sub.CliJsonAsync("status"))["subscriber"]!["connection"]!;
        Assert.True(suite == connection["suite"]?.GetValue<string>(), $"-c {gatewayAddress} chose {connection["suite"]}, not {suite}: {connection.ToJsonString()}");
        var iface = connection["interface"]!.GetValue<string>();

        // The traffic went through the tunnel, and the tunnel to the address asked for.
        await TunnelChecks.AssertTrafficThroughAsync(mesh.Sub, iface, gatewayAddress, suite + "\n" + mesh.Logs);

        var sessions = await mesh.Gw.CliJsonAsync("sessions");
        Assert.Single(sessions["sessions"]!.AsArray());

        await TunnelChecks.AssertDisconnectLeavesNothingAsync(mesh.Sub, mesh.Gw);
    }
}
