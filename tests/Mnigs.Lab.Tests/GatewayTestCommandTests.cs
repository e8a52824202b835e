using System.Text.Json.Nodes;
using Mnigs.Lab.Tests.Mesh;
using Xunit.Abstractions;

namespace Mnigs.Lab.Tests;

/// <summary>`mnigs-cli test` on the lab mesh: a real test tunnel through WireGuard, a real download, nothing left behind.</summary>
[Collection("lab")]
public sealed class GatewayTestCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Testing_the_gateway_brings_a_tunnel_up_measures_it_and_takes_it_down()
    {
        await using var mesh = await LabMesh.StartAsync();
        await WaitUntilKnownAsync(mesh);
        var linksBefore = await MnigsLinksAsync(mesh.Sub);

        var r = await mesh.Sub.CliAsync("test", LabMesh.GatewayMesh, "--json");

        Assert.True(r.ExitCode == 0, r.All + mesh.Logs);
        var gw = Assert.Single(JsonNode.Parse(r.Stdout)!["gateways"]!.AsArray())!.AsObject();
        output.WriteLine(gw.ToJsonString());
        Assert.True(gw["error"] is null, gw.ToJsonString() + mesh.Logs);
        Assert.True(gw["reachable"]!.GetValue<bool>());
        Assert.True(gw["nodeInfo"]!.GetValue<bool>());
        Assert.True(gw["mesh"]!["loss"]!.GetValue<double>() < 0.5, gw.ToJsonString());
        var tunnel = gw["tunnel"]!.AsObject();
        Assert.True(tunnel["loss"]!.GetValue<double>() < 0.5, gw.ToJsonString());
        Assert.True(tunnel["rttMs"]!.GetValue<double>() > 0, gw.ToJsonString());
        Assert.True(tunnel["throughputMbps"]!.GetValue<double>() > 1, gw.ToJsonString());

        // The test tunnel is gone on both sides, and the subscriber never routed through it.
        Assert.Equal(linksBefore, await MnigsLinksAsync(mesh.Sub));
        Assert.Empty(await HostTraces.OfAsync(mesh.Sub.Namespace));
        Assert.Empty((await mesh.Sub.CliJsonAsync("status"))["subscriber"]!["connections"]!.AsArray());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && (await mesh.Gw.CliJsonAsync("sessions"))["sessions"]!.AsArray().Count > 0)
            await Task.Delay(200);
        Assert.Empty((await mesh.Gw.CliJsonAsync("sessions"))["sessions"]!.AsArray());

        // The table a person reads.
        var table = await mesh.Sub.CliAsync("test", LabMesh.GatewayMesh, "--no-throughput");
        Assert.True(table.ExitCode == 0, table.All + mesh.Logs);
        Assert.Contains("TUNNEL RTT", table.Stdout);
        Assert.Contains(LabMesh.GatewayMesh, table.Stdout);
        Assert.DoesNotContain("ERROR", table.Stdout);
        output.WriteLine(table.Stdout);
    }

    [Fact]
    public async Task The_speed_test_is_refused_to_a_mesh_node_without_a_session()
    {
        await using var mesh = await LabMesh.StartAsync();

        var r = await mesh.Relay.ExecAsync("curl", "-sS", "--max-time", "10", "-w", "\n%{http_code}",
            $"http://{LabMesh.GatewayMesh}:65533/speedtest?bytes=1000000");

        Assert.True(r.ExitCode == 0, r.All + mesh.Logs);
        Assert.Equal(["speedtest is for this gateway's subscribers", "403"], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>The subscriber learns of the gateway from the directory or its first scan; a scan now if neither came yet.</summary>
    private static async Task WaitUntilKnownAsync(LabMesh mesh)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var list = await mesh.Sub.CliJsonAsync("-l");
            if (list["gateways"]?.AsArray().Any(g => g?["address"]?.GetValue<string>() == LabMesh.GatewayMesh) == true)
                return;
            await Task.Delay(500);
        }
        var scan = await mesh.Sub.CliAsync("-s");
        Assert.True(scan.ExitCode == 0, scan.All + mesh.Logs);
    }

    private static async Task<List<string>> MnigsLinksAsync(LabNode node)
    {
        var links = await node.ExecAsync("ip", "-o", "link", "show");
        return [.. links.Stdout.Split('\n').Select(l => l.Split(':', 3)).Where(p => p.Length > 2 && p[1].Trim().StartsWith("mn", StringComparison.Ordinal))
            .Select(p => p[1].Trim()).Order()];
    }
}
