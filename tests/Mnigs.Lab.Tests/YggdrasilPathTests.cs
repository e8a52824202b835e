using Mnigs.Lab.Tests.Mesh;

namespace Mnigs.Lab.Tests;

/// <summary>
/// The second real network: a subscriber two Yggdrasil hops from a gateway finds it, connects over WireGuard
/// carried by Yggdrasil and reaches the "internet" host through it; and everything it did is undone.
/// </summary>
[Collection("lab")]
public sealed class YggdrasilPathTests
{
    private const string Suite = "yggdrasil-wireguard-free";

    [Fact]
    public async Task Subscriber_finds_the_gateway_over_yggdrasil_connects_reaches_the_internet_and_disconnect_leaves_nothing()
    {
        await using var mesh = await YggMesh.StartAsync();
        try
        {
            // Each daemon sees yggdrasil up at its own address.
            var status = await mesh.Sub.CliJsonAsync("status");
            Assert.Contains(mesh.SubAddress, status.ToJsonString());

            var scan = await mesh.Sub.CliAsync("-s");
            Assert.True(scan.ExitCode == 0, scan.All + mesh.Logs);
            var list = await mesh.Sub.CliAsync("-l");
            Assert.True(list.ExitCode == 0, list.All);
            Assert.Contains("ygw", list.Stdout);
            Assert.Contains(mesh.GwAddress, list.Stdout);
            Assert.Contains(Suite, list.Stdout);
            Assert.DoesNotContain(mesh.RelayAddress, list.Stdout);

            // Before connecting the internet host is unreachable from ysub: the mesh has no exit.
            var before = await mesh.Sub.ExecAsync("ping", "-c", "1", "-W", "1", YggMesh.InternetHost);
            Assert.NotEqual(0, before.ExitCode);

            var connect = await mesh.Sub.CliAsync("-c", mesh.GwAddress);
            Assert.True(connect.ExitCode == 0, connect.All + mesh.Logs);
            Assert.Contains(Suite, connect.Stdout);

            var big = await mesh.Sub.ExecAsync("ping", "-c", "2", "-i", "0.2", "-W", "2", "-s", "1400", YggMesh.InternetHost);
            Assert.True(big.ExitCode == 0, "1400-byte ping: " + big.All);
            // Yggdrasil's TUN carries far more than 1500 bytes: the gateway's offer (1420) is the limit.
            var connection = (await mesh.Sub.CliJsonAsync("status"))["subscriber"]!["connection"]!;
            var mtu = connection["mtu"]!.GetValue<int>();
            Assert.Equal(1420, mtu);
            var iface = connection["interface"]!.GetValue<string>();
            var full = await mesh.Sub.ExecAsync("ping", "-c", "2", "-i", "0.2", "-W", "2", "-M", "do", "-s", (mtu - 28).ToString(), YggMesh.InternetHost);
            Assert.True(full.ExitCode == 0, "full-size unfragmented ping: " + full.All);

            // Traffic really goes through the tunnel, and the tunnel over Yggdrasil.
            await TunnelChecks.AssertTrafficThroughAsync(mesh.Sub, iface, mesh.GwAddress, "over Yggdrasil\n" + mesh.Logs);

            var sessions = await mesh.Gw.CliJsonAsync("sessions");
            var session = Assert.Single(sessions["sessions"]!.AsArray());
            Assert.Equal(mesh.SubAddress, session!["meshAddress"]!.GetValue<string>());

            await TunnelChecks.AssertDisconnectLeavesNothingAsync(mesh.Sub, mesh.Gw);
            // Yggdrasil itself is untouched: ysub still reaches ygw over it.
            var stillMesh = await mesh.Sub.ExecAsync("ping", "-6", "-c", "1", "-W", "2", mesh.GwAddress);
            Assert.True(stillMesh.ExitCode == 0, stillMesh.All);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + mesh.Logs, e);
        }
    }
}
