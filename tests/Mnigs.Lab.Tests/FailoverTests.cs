using System.Diagnostics;
using System.Text.Json.Nodes;
using Mnigs.Lab.Tests.Mesh;
using Xunit.Abstractions;

namespace Mnigs.Lab.Tests;

/// <summary>
/// The subscriber autopilot on a real babel mesh with two gateways: sub — rel — gwa and rel — gwb,
/// each gateway with its own internet namespace holding 203.0.113.10. The subscriber connects by
/// itself (autoconnect), and when its gateway dies (the whole node, its uplink, or its daemon) its
/// traffic moves to the other gateway without any command.
/// </summary>
[Collection("lab")]
public sealed class FailoverTests(ITestOutputHelper output)
{
    private const string Spec = "nodes=sub,rel,gwa,gwb links=sub-rel,rel-gwa,rel-gwb gateways=gwa,gwb";
    private const string GwaAddress = "10.78.0.3";
    private const string GwbAddress = "10.78.0.4";

    private static Func<string, string> Config(string subscriber, string gateway = "") => node => node switch
    {
        "sub" => "[subscriber]\nautoconnect = yes\n" + subscriber + "[directory]\nsyncInterval = 2\n",
        "gwa" or "gwb" => "[directory]\nsyncInterval = 2\n" + gateway,
        _ => "[directory]\nsyncInterval = 2\n",
    };

    [Fact]
    public async Task Traffic_moves_to_the_other_gateway_when_the_active_gateway_node_dies()
    {
        await using var mesh = await GraphMesh.StartAsync(Spec, extraConfig: Config("preferredGateway = gwa\n"));
        try
        {
            var sub = mesh["sub"];
            await WaitForActiveAsync(sub, GwaAddress, TimeSpan.FromSeconds(60), mesh);
            await AssertInternetAsync(sub, "through gwa");
            var oldInterface = (await StatusAsync(sub))["connection"]!["interface"]!.GetValue<string>();

            // The whole gateway node dies: its daemon, its wireguard-go and its babeld.
            var clock = Stopwatch.StartNew();
            await Shell.CheckedAsync("bash", "-c", $"ip netns pids {mesh["gwa"].Namespace} | xargs -r kill -9");
            await WaitForActiveAsync(sub, GwbAddress, TimeSpan.FromSeconds(20), mesh);
            await AssertInternetAsync(sub, "through gwb after gwa died");
            output.WriteLine($"traffic through gwb {clock.ElapsedMilliseconds} ms after gwa died");

            var status = await StatusAsync(sub);
            Assert.Equal("Failover", status["autopilot"]!["lastFailover"]!["kind"]!.GetValue<string>());
            // The dead session left nothing: one Mnigs interface, and it carries the routes.
            var links = await MnigsInterfacesAsync(sub);
            var active = Assert.Single(links);
            Assert.NotEqual(oldInterface, active);
            var route = await sub.ExecAsync("ip", "route", "show", "table", "65533");
            Assert.Contains($"dev {active}", route.Stdout);
            Assert.DoesNotContain(oldInterface, route.Stdout);

            // What an operator's Prometheus sees of it, and the history kept in the database.
            var metrics = await sub.ExecAsync("curl", "-sS", "--max-time", "5", "http://127.0.0.1:65533/metrics");
            Assert.Contains("mnigs_failovers_total{reason=\"down\"} 1", metrics.Stdout);
            Assert.Matches(@"mnigs_gateway_rtt_seconds\{gateway=""[^""]+"",name=""gwb"",path=""tunnel""\} [0-9.e-]+", metrics.Stdout);
            Assert.Contains($"mnigs_tunnel_up{{interface=\"{active}\"", metrics.Stdout);
            Assert.Contains("mnigs_online 1", metrics.Stdout);
            Assert.DoesNotContain($"interface=\"{oldInterface}\"", metrics.Stdout);
            await Task.Delay(TimeSpan.FromSeconds(6));
            var samples = await Shell.RunAsync("sqlite3", [Path.Combine(sub.StateDir, "mnigs.db"),
                "SELECT count(*) FROM quality_samples WHERE path = 'tunnel'"]);
            Assert.True(int.Parse(samples.Stdout.Trim()) > 0, "no tunnel quality samples in the database: " + samples.All);
        }
        catch
        {
            output.WriteLine(mesh.Logs);
            throw;
        }
    }

    [Fact]
    public async Task Losing_the_uplink_moves_traffic_and_the_preferred_gateway_gets_it_back_once()
    {
        await using var mesh = await GraphMesh.StartAsync(Spec, extraConfig: Config("preferredGateway = gwa\npreferredReturnAfter = 8\n"));
        try
        {
            var sub = mesh["sub"];
            await WaitForActiveAsync(sub, GwaAddress, TimeSpan.FromSeconds(60), mesh);
            var uplink = $"{mesh.Prefix}x3u";
            // gwb may have been learned first and used until preferred gwa was known: count from here.
            var before = (await StatusAsync(sub))["autopilot"]!["failovers"]!.GetValue<long>();

            // gwa's uplink goes: it stops serving, withdraws its record, and the subscriber leaves it.
            await Shell.CheckedAsync("ip", "-n", mesh["gwa"].Namespace, "link", "set", "dev", uplink, "down");
            await WaitForActiveAsync(sub, GwbAddress, TimeSpan.FromSeconds(30), mesh);
            await AssertInternetAsync(sub, "through gwb while gwa has no uplink");
            Assert.Equal(before + 1, (await StatusAsync(sub))["autopilot"]!["failovers"]!.GetValue<long>());

            // The uplink comes back: gwa serves again, and after 8 healthy seconds it gets the traffic back.
            await Shell.CheckedAsync("ip", "-n", mesh["gwa"].Namespace, "link", "set", "dev", uplink, "up");
            await Shell.CheckedAsync("ip", "-n", mesh["gwa"].Namespace, "route", "replace", "default", "via", mesh.UplinkPeer("gwa"));
            await WaitForActiveAsync(sub, GwaAddress, TimeSpan.FromSeconds(60), mesh);
            await AssertInternetAsync(sub, "through gwa again");

            // ... once: no flapping between the two.
            await Task.Delay(TimeSpan.FromSeconds(15));
            var status = await StatusAsync(sub);
            Assert.Equal(GwaAddress, status["connection"]!["gateway"]!.GetValue<string>());
            Assert.Equal(before + 2, status["autopilot"]!["failovers"]!.GetValue<long>());
            Assert.Single(await MnigsInterfacesAsync(sub));
        }
        catch
        {
            output.WriteLine(mesh.Logs);
            throw;
        }
    }

    [Fact]
    public async Task With_standby_a_crashed_gateway_daemon_is_left_without_losing_traffic()
    {
        // Short leases: renewals every 4 s, so a daemon that stopped answering is noticed quickly.
        await using var mesh = await GraphMesh.StartAsync(Spec,
            extraConfig: Config("preferredGateway = gwa\nstandby = yes\n", "[gateway]\nsubscriberTimeout = 12\n"));
        try
        {
            var sub = mesh["sub"];
            await WaitForActiveAsync(sub, GwaAddress, TimeSpan.FromSeconds(60), mesh);
            await WaitUntilAsync(async () => (await MnigsInterfacesAsync(sub)).Count == 2, TimeSpan.FromSeconds(30), "no standby tunnel", mesh);
            Assert.Equal(GwbAddress, (await StatusAsync(sub))["autopilot"]!["standby"]!.GetValue<string>());

            // Pings all along; the gateway's daemon dies, its tunnel keeps working until the routes move.
            var ping = sub.ExecAsync("ping", "-c", "150", "-i", "0.1", "-W", "1", TunnelChecks.InternetHost);
            await Task.Delay(TimeSpan.FromSeconds(1));
            await mesh["gwa"].KillAsync();
            await WaitForActiveAsync(sub, GwbAddress, TimeSpan.FromSeconds(20), mesh);
            var result = await ping;
            var received = int.Parse(System.Text.RegularExpressions.Regex.Match(result.Stdout, @"(\d+) received").Groups[1].Value);
            output.WriteLine($"{received} of 150 pings answered across the failover");
            Assert.True(received >= 145, result.Stdout);
            await AssertInternetAsync(sub, "through gwb");
        }
        catch
        {
            output.WriteLine(mesh.Logs);
            throw;
        }
    }

    private static async Task<JsonObject> StatusAsync(LabNode node) =>
        (JsonObject)(await MeshRpc.CallAsync(node.Namespace, "127.0.0.1", "status", null))["subscriber"]!;

    private static async Task WaitForActiveAsync(LabNode sub, string gateway, TimeSpan timeout, GraphMesh mesh) =>
        await WaitUntilAsync(async () =>
        {
            var status = await StatusAsync(sub);
            return status["connection"]?["gateway"]?.GetValue<string>() == gateway && status["online"]!.GetValue<bool>();
        }, timeout, $"the subscriber is not online through {gateway}", mesh);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, GraphMesh mesh)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (await condition())
                return;
            await Task.Delay(250);
        }
        var status = await MeshRpc.CallAsync(mesh["sub"].Namespace, "127.0.0.1", "status", null);
        Assert.Fail($"{what} after {timeout.TotalSeconds} s\nstatus: {status["subscriber"]}\n{mesh.Logs}");
    }

    private static async Task AssertInternetAsync(LabNode sub, string context)
    {
        var ping = await sub.ExecAsync("ping", "-c", "3", "-i", "0.2", "-W", "2", TunnelChecks.InternetHost);
        Assert.True(ping.ExitCode == 0, $"ping ({context}): {ping.All}");
        var get = await sub.ExecAsync("curl", "-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}", $"http://{TunnelChecks.InternetHost}/big.bin");
        Assert.True(get.ExitCode == 0 && get.Stdout.Trim() == "200", $"download ({context}): {get.All}");
    }

    private static async Task<List<string>> MnigsInterfacesAsync(LabNode node)
    {
        var links = await node.ExecAsync("ip", "-j", "link", "show");
        return [.. JsonNode.Parse(links.Stdout)!.AsArray().Select(l => l!["ifname"]!.GetValue<string>()).Where(n => n.StartsWith("mn", StringComparison.Ordinal))];
    }
}
