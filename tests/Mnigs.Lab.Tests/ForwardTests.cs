using Mnigs.Lab.Tests.Mesh;

namespace Mnigs.Lab.Tests;

/// <summary>
/// The forward tunnel on the layer-2 lab (lab/l2-mesh.sh: a bridge as the switch, no routing daemon): the subscriber
/// routes through the gateway's segment address, and the gateway forwards only the addresses of live sessions, each
/// in an nftables set element that times out with its lease (12 s here).
/// </summary>
[Collection("lab")]
public sealed class ForwardTests
{
    private const string Suite = "layer2-forward-free";
    private const string GatewayAddress = "10.79.0.1";

    [Fact]
    public async Task A_session_is_forwarded_while_it_lives_and_renews_and_the_gateway_refuses_others_and_it_after_release()
    {
        await using var segment = await L2Segment.StartAsync(subscribers: 2, extraConfig: "[forward]\nenabled = yes\n", stem: "l2f");
        var (s1, s2) = (segment["s1"], segment["s2"]);
        try
        {
            var connect = await s1.CliAsync("-c", GatewayAddress, "-m", Suite);
            Assert.True(connect.ExitCode == 0, connect.All + segment.Logs);
            Assert.Contains(Suite, connect.Stdout);
            var routes = await s1.ExecAsync("ip", "route", "show", "table", "65533");
            Assert.Equal($"default via {GatewayAddress} dev {segment.Prefix}-ns1", routes.Stdout.Trim());
            await AssertInternetAsync(s1, true, "s1 with a session\n" + segment.Logs);
            var download = await s1.ExecAsync("curl", "-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                $"http://{TunnelChecks.InternetHost}/big.bin");
            Assert.Equal("200 8388608", download.Stdout.Trim());

            // s2 routes through the gateway by hand, without a session: the gateway drops it.
            await Shell.CheckedAsync("ip", "-n", s2.Namespace, "route", "add", "default", "via", GatewayAddress);
            await AssertInternetAsync(s2, false, "s2 got through without a session\n" + segment.Logs);

            // Past the 12 s lease, s1's renewals have kept its address in the gateway's set.
            await Task.Delay(TimeSpan.FromSeconds(14));
            await AssertInternetAsync(s1, true, "s1 after its lease was renewed\n" + segment.Logs);
            var set = await segment.Gw.ExecAsync("nft", "list", "set", "inet", "mnigs", "forward_sources4");
            Assert.Contains("10.79.0.11 timeout", set.Stdout);

            // Released: both hosts as before; routed by hand again, s1 is refused.
            await TunnelChecks.AssertDisconnectLeavesNothingAsync(s1, segment.Gw);
            await Shell.CheckedAsync("ip", "-n", s1.Namespace, "route", "add", "default", "via", GatewayAddress);
            await AssertInternetAsync(s1, false, "s1 got through after release\n" + segment.Logs);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + segment.Logs, e);
        }
    }

    [Fact]
    public async Task An_expired_lease_is_refused_by_the_kernel_even_with_both_daemons_dead()
    {
        await using var segment = await L2Segment.StartAsync(subscribers: 1, extraConfig: "[forward]\nenabled = yes\n", stem: "l2f");
        var s1 = segment["s1"];
        try
        {
            var connect = await s1.CliAsync("-c", GatewayAddress, "-m", Suite);
            Assert.True(connect.ExitCode == 0, connect.All + segment.Logs);

            // Both crash: s1 keeps its route, the gateway its table, and nobody renews.
            await s1.KillAsync();
            await segment.Gw.KillAsync();
            await AssertInternetAsync(s1, true, "s1 right after the crashes\n" + segment.Logs);

            var deadline = DateTime.UtcNow.AddSeconds(16);
            while (DateTime.UtcNow < deadline && (await s1.ExecAsync("ping", "-c", "1", "-W", "1", TunnelChecks.InternetHost)).ExitCode == 0)
                await Task.Delay(500);
            await AssertInternetAsync(s1, false, "s1 got through past its lease\n" + segment.Logs);
            var set = await segment.Gw.ExecAsync("nft", "list", "set", "inet", "mnigs", "forward_sources4");
            Assert.True(set.ExitCode == 0, set.All);
            Assert.DoesNotContain("10.79.0.11", set.Stdout);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + segment.Logs, e);
        }
    }

    private static async Task AssertInternetAsync(LabNode node, bool reachable, string context)
    {
        var ping = await node.ExecAsync("ping", "-c", "2", "-i", "0.2", "-W", "1", TunnelChecks.InternetHost);
        var http = await node.ExecAsync("curl", "-sS", "--max-time", "3", "-o", "/dev/null", "-w", "%{http_code}", $"http://{TunnelChecks.InternetHost}/");
        Assert.True(reachable == (ping.ExitCode == 0), $"ping ({context}): {ping.All}");
        Assert.True(reachable == (http.ExitCode == 0 && http.Stdout.Trim() == "200"), $"http ({context}): {http.All}");
    }
}
