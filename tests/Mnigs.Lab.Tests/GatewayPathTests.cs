using System.Text.Json.Nodes;
using Mnigs.Lab.Tests.Mesh;

namespace Mnigs.Lab.Tests;

/// <summary>
/// The first real path: a subscriber two babel hops from a gateway finds it, connects over WireGuard
/// and reaches the "internet" host through it; and everything it did is undone.
/// </summary>
[Collection("lab")]
public sealed class GatewayPathTests
{
    [Fact]
    public async Task Subscriber_finds_the_gateway_connects_reaches_the_internet_and_disconnect_leaves_nothing()
    {
        // Hooks as in the seed's config: each writes its event and arguments to a file.
        var hooks = Directory.CreateTempSubdirectory("mnigs-hooks-").FullName;
        var hook = Path.Combine(hooks, "hook.sh");
        await File.WriteAllTextAsync(hook, $"#!/bin/sh\necho \"$MNIGS_EVENT $*\" >> {hooks}/events\n");
        File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var hookConfig = $"onRegister = {hook}\nonRelease = {hook}\n";
        await using var mesh = await LabMesh.StartAsync(gatewayExtra: hookConfig, subExtra: $"[subscriber]\nonConnect = {hook}\nonDisconnect = {hook}\n");
        try
        {
            var scan = await mesh.Sub.CliAsync("-s");
            Assert.True(scan.ExitCode == 0, scan.All);
            var list = await mesh.Sub.CliAsync("-l");
            Assert.True(list.ExitCode == 0, list.All);
            Assert.Contains("gw", list.Stdout);
            Assert.Contains(LabMesh.GatewayMesh, list.Stdout);
            Assert.Contains("babel-wireguard-free", list.Stdout);
            Assert.DoesNotContain(LabMesh.RelayMesh, list.Stdout);

            // Before connecting the internet host is unreachable from sub: the mesh has no exit.
            var before = await mesh.Sub.ExecAsync("ping", "-c", "1", "-W", "1", LabMesh.InternetHost);
            Assert.NotEqual(0, before.ExitCode);

            var connect = await mesh.Sub.CliAsync("-c", LabMesh.GatewayMesh);
            Assert.True(connect.ExitCode == 0, connect.All + mesh.Logs);
            Assert.Contains("babel-wireguard-free", connect.Stdout);

            // IPv6 too: the tunnel address from the gateway's IPv6 pool, NAT66 out of its uplink.
            var ping6 = await mesh.Sub.ExecAsync("ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", LabMesh.InternetHost6);
            Assert.True(ping6.ExitCode == 0, "IPv6 through the tunnel: " + ping6.All + mesh.Logs);
            var big = await mesh.Sub.ExecAsync("ping", "-c", "2", "-i", "0.2", "-W", "2", "-s", "1400", LabMesh.InternetHost);
            Assert.True(big.ExitCode == 0, "1400-byte ping: " + big.All);
            // The tunnel MTU comes from the path: 1500 on the veths less WireGuard's 80 bytes.
            var status = await mesh.Sub.CliJsonAsync("status");
            var connection = status["subscriber"]!["connection"]!;
            Assert.Equal(1420, connection["mtu"]!.GetValue<int>());
            var iface = connection["interface"]!.GetValue<string>();
            var full = await mesh.Sub.ExecAsync("ping", "-c", "2", "-i", "0.2", "-W", "2", "-M", "do", "-s", (1420 - 28).ToString(), LabMesh.InternetHost);
            Assert.True(full.ExitCode == 0, "full-size unfragmented ping: " + full.All);

            // Traffic really goes through the tunnel, not around it.
            await TunnelChecks.AssertTrafficThroughAsync(mesh.Sub, iface, LabMesh.GatewayMesh, "over babel\n" + mesh.Logs);

            // DNS: the resolvers named by the gateway are in the subscriber's resolv.conf while connected.
            var resolv = await File.ReadAllTextAsync(mesh.Sub.ResolvConf);
            Assert.Contains("written by mnigs", resolv);

            var sessions = await mesh.Gw.CliJsonAsync("sessions");
            var session = Assert.Single(sessions["sessions"]!.AsArray());
            Assert.Equal(LabMesh.SubscriberMesh, session!["meshAddress"]!.GetValue<string>());

            await TunnelChecks.AssertDisconnectLeavesNothingAsync(mesh.Sub, mesh.Gw);
            var after6 = await mesh.Sub.ExecAsync("ping", "-6", "-c", "1", "-W", "1", LabMesh.InternetHost6);
            Assert.NotEqual(0, after6.ExitCode);

            // Hooks ran with the event's values: gw's with sid, mesh ip and addresses; sub's with the gateway.
            var eventsFile = Path.Combine(hooks, "events");
            for (var i = 0; i < 30 && !(File.Exists(eventsFile) && (await File.ReadAllTextAsync(eventsFile)).Contains("onDisconnect")); i++)
                await Task.Delay(100);
            var events = (await File.ReadAllTextAsync(eventsFile)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var sid = session["sid"]!.GetValue<string>();
            Assert.Contains(events, e => e.StartsWith($"onRegister {sid} {LabMesh.SubscriberMesh} {session["ipv4"]!.GetValue<string>()}", StringComparison.Ordinal));
            Assert.Contains(events, e => e.StartsWith($"onRelease {sid} {LabMesh.SubscriberMesh}", StringComparison.Ordinal));
            Assert.Contains(events, e => e.StartsWith($"onConnect {LabMesh.GatewayMesh} babel-wireguard-free {iface}", StringComparison.Ordinal));
            Assert.Contains(events, e => e.StartsWith($"onDisconnect {LabMesh.GatewayMesh} babel-wireguard-free {iface}", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + mesh.Logs, e);
        }
    }
}
