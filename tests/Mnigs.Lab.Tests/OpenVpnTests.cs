using System.Globalization;
using Mnigs.Lab.Tests.Mesh;

namespace Mnigs.Lab.Tests;

/// <summary>
/// The openvpn tunnel with the real openvpn 2.6 on the lab mesh (sub — relay — gw — inet, babel): WireGuard is off on
/// gw and sub, so babel-openvpn-free is what they share. Traffic flows through the subscriber's openvpn tun; the
/// session's certificate works only from the session's own mesh address and only while the session lives; release
/// ends the connection at once; a gateway restart brings the session back; nothing is left on either side.
/// </summary>
[Collection("lab")]
public sealed class OpenVpnTests
{
    private const string Suite = "babel-openvpn-free";
    private const string NoWireGuard = "[wireguard]\nenabled = no\n";

    [Fact]
    public async Task Subscriber_connects_over_openvpn_reaches_the_internet_and_disconnect_leaves_nothing()
    {
        await using var mesh = await StartAsync();
        try
        {
            var connect = await mesh.Sub.CliAsync("-c", LabMesh.GatewayMesh);
            Assert.True(connect.ExitCode == 0, connect.All + mesh.Logs);
            Assert.Contains(Suite, connect.Stdout);
            var iface = (await mesh.Sub.CliJsonAsync("status"))["subscriber"]!["connection"]!["interface"]!.GetValue<string>();
            Assert.Single(await OpenVpnPidsAsync(mesh.Gw.Namespace));
            Assert.Single(await OpenVpnPidsAsync(mesh.Sub.Namespace));

            var ping = await mesh.Sub.ExecAsync("ping", "-c", "3", "-i", "0.2", "-W", "2", LabMesh.InternetHost);
            Assert.True(ping.ExitCode == 0, "ping: " + ping.All + mesh.Logs);
            var ping6 = await mesh.Sub.ExecAsync("ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", LabMesh.InternetHost6);
            Assert.True(ping6.ExitCode == 0, "IPv6 through the tunnel: " + ping6.All + mesh.Logs);
            var received = await ReceivedAsync(mesh.Sub.Namespace, iface);
            var download = await mesh.Sub.ExecAsync("curl", "-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                $"http://{LabMesh.InternetHost}/big.bin");
            Assert.True(download.ExitCode == 0, "download: " + download.All + mesh.Logs);
            Assert.Equal("200 8388608", download.Stdout.Trim());
            // Through the openvpn tun, not around it.
            Assert.True(await ReceivedAsync(mesh.Sub.Namespace, iface) - received > 8_000_000, $"the download did not come through {iface}");

            // The session's own key and certificate, used from relay: the gateway refuses them (wrong mesh address).
            var stolen = await HandClientAsync(mesh.Relay.Namespace, mesh.Sub, iface);
            Assert.True(stolen.Contains("AUTH_FAILED", StringComparison.Ordinal), stolen);
            Assert.Contains($"refused a connection from {LabMesh.RelayMesh}", mesh.Gw.Log);
            var still = await mesh.Sub.ExecAsync("ping", "-c", "1", "-W", "2", LabMesh.InternetHost);
            Assert.True(still.ExitCode == 0, "the subscriber's own connection is untouched: " + still.All);

            await TunnelChecks.AssertDisconnectLeavesNothingAsync(mesh.Sub, mesh.Gw);
            await AssertNoOpenVpnAsync(mesh.Sub, mesh);
            await AssertNoOpenVpnAsync(mesh.Gw, mesh);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + mesh.Logs, e);
        }
    }

    [Fact]
    public async Task Release_on_the_gateway_ends_that_connection_at_once_and_leaves_the_other_subscriber_alone()
    {
        await using var mesh = await StartAsync();
        try
        {
            // Two subscribers of the one server: sub, and relay (it too finds only openvpn at gw).
            var connect = await mesh.Sub.CliAsync("-c", LabMesh.GatewayMesh);
            Assert.True(connect.ExitCode == 0, connect.All + mesh.Logs);
            var other = await mesh.Relay.CliAsync("-c", LabMesh.GatewayMesh, "-m", Suite);
            Assert.True(other.ExitCode == 0, other.All + mesh.Logs);
            var iface = (await mesh.Sub.CliJsonAsync("status"))["subscriber"]!["connection"]!["interface"]!.GetValue<string>();
            var server = Assert.Single(await OpenVpnPidsAsync(mesh.Gw.Namespace));
            foreach (var node in new[] { mesh.Sub, mesh.Relay })
            {
                var ping = await node.ExecAsync("ping", "-c", "1", "-W", "2", LabMesh.InternetHost);
                Assert.True(ping.ExitCode == 0, $"{node.Role}: {ping.All}{mesh.Logs}");
            }
            // Kept for later: what a subscriber that holds on to the session's files could try.
            var files = Path.Combine(mesh.StateRoot, "kept-openvpn-files");
            Directory.CreateDirectory(files);
            foreach (var name in new[] { "client.key", "client.crt", "client.conf" })
                File.Copy(Path.Combine(ClientDirectory(mesh.Sub, iface), name), Path.Combine(files, name));

            // The gateway's operator ends sub's session; sub's daemon does not know yet, its client still runs.
            var sessions = (await mesh.Gw.CliJsonAsync("sessions"))["sessions"]!.AsArray();
            var sid = sessions.Single(s => s!["meshAddress"]!.GetValue<string>() == LabMesh.SubscriberMesh)!["sid"]!.GetValue<string>();
            var release = await mesh.Gw.CliAsync("release", sid);
            Assert.True(release.ExitCode == 0, release.All);
            var after = await mesh.Sub.ExecAsync("ping", "-c", "2", "-i", "0.5", "-W", "1", LabMesh.InternetHost);
            Assert.True(after.ExitCode != 0, "traffic still flows after release: " + after.All + mesh.Logs);
            Assert.Contains("ended the connection of mnigs-", mesh.Gw.Log);
            // The same server goes on serving relay.
            Assert.Equal([server], await OpenVpnPidsAsync(mesh.Gw.Namespace));
            var relay = await mesh.Relay.ExecAsync("ping", "-c", "1", "-W", "2", LabMesh.InternetHost);
            Assert.True(relay.ExitCode == 0, "relay after sub's release: " + relay.All + mesh.Logs);

            // The released session's key and certificate, by hand from sub's own address: refused, the session is over.
            var again = await HandClientAsync(mesh.Sub.Namespace, files);
            Assert.True(again.Contains("AUTH_FAILED", StringComparison.Ordinal), again);

            // sub learns at its next renewal (lease 12 s) that the session is gone, and its autopilot (engaged by -c)
            // opens a new one: a new certificate, admitted by the same server.
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < deadline && !(await NewSessionOfAsync(mesh, sid)))
                await Task.Delay(250);
            Assert.True(await NewSessionOfAsync(mesh, sid), "sub did not come back with a new session\n" + mesh.Logs);
            var back = await mesh.Sub.ExecAsync("ping", "-c", "1", "-w", "10", LabMesh.InternetHost);
            Assert.True(back.ExitCode == 0, "sub with its new session: " + back.All + mesh.Logs);
            Assert.Equal([server], await OpenVpnPidsAsync(mesh.Gw.Namespace));

            await TunnelChecks.AssertDisconnectLeavesNothingAsync(mesh.Sub);
            await TunnelChecks.AssertDisconnectLeavesNothingAsync(mesh.Relay, mesh.Gw);
            await AssertNoOpenVpnAsync(mesh.Sub, mesh);
            await AssertNoOpenVpnAsync(mesh.Relay, mesh);
            await AssertNoOpenVpnAsync(mesh.Gw, mesh);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + mesh.Logs, e);
        }
    }

    [Fact]
    public async Task Kill9_of_the_gateway_then_restart_brings_the_openvpn_session_back()
    {
        await using var mesh = await StartAsync();
        try
        {
            var connect = await mesh.Sub.CliAsync("-c", LabMesh.GatewayMesh);
            Assert.True(connect.ExitCode == 0, connect.All + mesh.Logs);

            await mesh.Gw.KillAsync();
            await mesh.Gw.StartAsync();

            // The old server was ended at start (its client told to reconnect), the restored session admitted again by
            // the new one with the same certificate: traffic flows without the subscriber reconnecting.
            var ping = await mesh.Sub.ExecAsync("ping", "-c", "1", "-w", "20", LabMesh.InternetHost);
            Assert.True(ping.ExitCode == 0, ping.All + mesh.Logs);
            Assert.Single(await OpenVpnPidsAsync(mesh.Gw.Namespace));

            await TunnelChecks.AssertDisconnectLeavesNothingAsync(mesh.Sub, mesh.Gw);
            await AssertNoOpenVpnAsync(mesh.Sub, mesh);
            await AssertNoOpenVpnAsync(mesh.Gw, mesh);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + mesh.Logs, e);
        }
    }

    /// <summary>The gateway holds a session of sub other than <paramref name="released"/>, and sub is connected.</summary>
    private static async Task<bool> NewSessionOfAsync(LabMesh mesh, string released)
    {
        var sessions = (await mesh.Gw.CliJsonAsync("sessions"))["sessions"]!.AsArray();
        return sessions.Any(s => s!["meshAddress"]!.GetValue<string>() == LabMesh.SubscriberMesh && s["sid"]!.GetValue<string>() != released)
            && (await mesh.Sub.CliJsonAsync("status"))["subscriber"]!["connected"]!.GetValue<bool>();
    }

    private static async Task<LabMesh> StartAsync()
    {
        Shell.RequireLab("openvpn");
        var mesh = await LabMesh.StartAsync(gatewayExtra: NoWireGuard, subExtra: NoWireGuard);
        try
        {
            var status = await mesh.Gw.CliJsonAsync("status");
            Assert.Contains(Suite, status["gateway"]!["suites"]!.AsArray().Select(s => s!.GetValue<string>()));
            return mesh;
        }
        catch
        {
            await mesh.DisposeAsync();
            throw;
        }
    }

    /// <summary>No openvpn runs in <paramref name="node"/>'s namespace any more.</summary>
    private static async Task AssertNoOpenVpnAsync(LabNode node, LabMesh mesh)
    {
        var left = await OpenVpnPidsAsync(node.Namespace);
        var lines = left.Select(pid => $"{pid}: {File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ')}");
        Assert.True(left.Count == 0, $"openvpn still runs in {node.Role}: {string.Join("; ", lines)}\n{mesh.Logs}");
    }

    private static string ClientDirectory(LabNode node, string iface) => Path.Combine(node.StateDir, "openvpn", "clients", iface);

    /// <summary>The openvpn processes running in <paramref name="ns"/> (zombies aside).</summary>
    private static async Task<List<int>> OpenVpnPidsAsync(string ns)
    {
        var r = await Shell.RunAsync("ip", ["netns", "pids", ns]);
        var pids = new List<int>();
        foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                var stat = await File.ReadAllTextAsync($"/proc/{line}/stat");
                var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
                if (stat.Contains("(openvpn)", StringComparison.Ordinal) && state != "Z")
                    pids.Add(int.Parse(line, CultureInfo.InvariantCulture));
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
        }
        return pids;
    }

    private static async Task<long> ReceivedAsync(string ns, string iface)
    {
        var r = await Shell.InNamespaceAsync(ns, "cat", $"/sys/class/net/{iface}/statistics/rx_bytes");
        return long.Parse(r.Stdout.Trim(), CultureInfo.InvariantCulture);
    }

    private static Task<string> HandClientAsync(string ns, LabNode owner, string iface) => HandClientAsync(ns, ClientDirectory(owner, iface));

    /// <summary>
    /// openvpn run by hand in <paramref name="ns"/> with the key, certificate and pinned gateway of a session's client
    /// (files in <paramref name="directory"/>), on an interface of its own; returns its output once it exits (it gives
    /// up on AUTH_FAILED) or after 20 s.
    /// </summary>
    private static async Task<string> HandClientAsync(string ns, string directory)
    {
        var pinned = File.ReadAllLines(Path.Combine(directory, "client.conf")).Single(l => l.StartsWith("peer-fingerprint ", StringComparison.Ordinal));
        var scratch = Directory.CreateTempSubdirectory("mnigs-hand-").FullName;
        var config = Path.Combine(scratch, "hand.conf");
        await File.WriteAllTextAsync(config, $"""
            client
            dev hand0
            dev-type tun
            proto udp
            remote {LabMesh.GatewayMesh} 1194
            nobind
            {pinned}
            cert {Path.Combine(directory, "client.crt")}
            key {Path.Combine(directory, "client.key")}
            connect-retry-max 1
            verb 3

            """);
        try
        {
            var r = await Shell.RunAsync("ip", ["netns", "exec", ns, "openvpn", "--config", config], TimeSpan.FromSeconds(20));
            return r.All;
        }
        catch (TimeoutException e)
        {
            return "still running after 20 s (not refused): " + e.Message;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
