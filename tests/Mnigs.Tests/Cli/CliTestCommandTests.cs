using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Mnigs.Cli;
using Mnigs.Core.Suites;
using Mnigs.Rpc;
using Mnigs.Store;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Cli;

/// <summary>`mnigs-cli test [GATEWAY] [--no-throughput]`: the table a person reads, and the call the CLI makes.</summary>
[Collection("console")]
public sealed class CliTestCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mnigs-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => CliRun.RunAsync(args);

    [Fact]
    public void The_table_has_a_row_per_gateway_and_an_error_line_per_failed_one()
    {
        var answer = JsonNode.Parse("""
            {"success": true, "gateways": [
              {"id": "a", "name": "roof", "address": "fd00::1", "reachable": true,
               "mesh": {"sent": 10, "lost": 1, "loss": 0.1, "rttMs": 23.4}, "nodeInfo": true, "load": 1, "capacity": 32,
               "tunnel": {"upMs": 812, "sent": 10, "lost": 0, "loss": 0, "rttMs": 4.25, "throughputMbps": 87.5}, "error": null},
              {"id": "b", "name": "cellar", "address": "10.0.0.9", "reachable": false,
               "mesh": {"sent": 10, "lost": 10, "loss": 1, "rttMs": null}, "nodeInfo": false, "load": null, "capacity": null,
               "tunnel": null, "error": "No answer to nodeInfo: no answer from 10.0.0.9:65533 within 5 s"}
            ]}
            """)!.AsObject();

        var lines = GatewayTestTable.Render(answer).Split(Environment.NewLine);

        Assert.Equal(4, lines.Length);
        Assert.Equal(["NAME", "ADDRESS", "REACH", "MESH", "RTT", "MESH", "LOSS", "TUNNEL", "UP", "TUNNEL", "RTT", "TUNNEL", "LOSS", "MBIT/S"],
            lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["roof", "fd00::1", "yes", "23", "ms", "10%", "812", "ms", "4.3", "ms", "0%", "87.5"],
            lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["cellar", "10.0.0.9", "no", "-", "100%", "-", "-", "-", "-"],
            lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("ERROR cellar (10.0.0.9): No answer to nodeInfo: no answer from 10.0.0.9:65533 within 5 s", lines[3]);
    }

    [Fact]
    public void No_gateways_says_how_to_find_some()
    {
        Assert.Equal("No gateways known yet; run a scan (-s)", GatewayTestTable.Render(new JsonObject { ["success"] = true, ["gateways"] = new JsonArray() }));
    }

    [Fact]
    public async Task Test_asks_the_daemon_and_prints_the_table()
    {
        await using var gateway = await DaemonRig.StartAsync();
        await using var subscriber = await DaemonRig.StartAsync(c => c with { Name = "sub", GatewayEnabled = false },
            http: new DispatcherHandler(() => gateway.Dispatcher, IPAddress.Parse("fd00::5")));
        Assert.True(Suite.TryParse("babel-wireguard-free", out var suite));
        await subscriber.Store.UpsertGatewayAsync(new GatewayRecord
        {
            NodeId = gateway.Identity.NodeId,
            Name = "gw",
            Address = DaemonRig.GatewayMesh,
            Port = 65533,
            Suites = [suite],
            Source = GatewaySource.Scan,
            LearnedAt = DaemonRig.T0,
            LastSeen = DaemonRig.T0,
        });
        subscriber.Prober.SetAnswer(DaemonRig.GatewayMesh, null, TimeSpan.FromMilliseconds(20));
        subscriber.Prober.SetAnswer(IPAddress.Parse("10.201.0.1"), subscriber.Subscriber.InterfaceOf(0), TimeSpan.FromMilliseconds(30));
        await using var daemon = await ServeAsync(subscriber.Dispatcher);
        var config = Path.Combine(_dir, "mnigs.conf");
        await File.WriteAllTextAsync(config, $"[daemon]\nrpcPort = {daemon.Port}\n");

        var (code, output, error) = await RunAsync("-f", config, "test", "gw", "--no-throughput");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var lines = output.TrimEnd().Split(Environment.NewLine);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("NAME", lines[0]);
        var cells = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["gw", "fd00::1", "yes", "20", "ms", "0%"], cells[..6]);
        Assert.Equal(["ms", "30", "ms", "0%", "-"], cells[7..]); // the time to bring the tunnel up varies
        Assert.Empty(subscriber.Subscriber.Connections);

        var (unknownCode, _, unknownError) = await RunAsync("-f", config, "test", "nope");
        Assert.Equal(1, unknownCode);
        Assert.Contains("No known gateway has the id, name or address 'nope'", unknownError);
    }

    /// <summary>The daemon's admin API on a real Kestrel at 127.0.0.1, where the CLI looks for it.</summary>
    private static Task<KestrelServer> ServeAsync(RpcDispatcher dispatcher) =>
        KestrelServer.StartAsync(app => app.MapJsonRpc(dispatcher));
}
