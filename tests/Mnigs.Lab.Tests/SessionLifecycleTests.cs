using System.Text.Json.Nodes;
using Mnigs.Lab.Tests.Mesh;

namespace Mnigs.Lab.Tests;

/// <summary>Leases, ownership of sessions and crashes, on the real lab mesh (gateway lease: 12 s).</summary>
[Collection("lab")]
public sealed class SessionLifecycleTests
{
    [Fact]
    public async Task Session_not_renewed_expires_and_is_torn_down_on_the_gateway()
    {
        await using var mesh = await LabMesh.StartAsync();
        var key = (await Shell.CheckedAsync("bash", "-c", "wg genkey | wg pubkey")).Trim();
        var reply = await MeshRpc.CallAsync(mesh.Relay.Namespace, LabMesh.GatewayMesh, "requestConnection", new JsonArray(
            "relay-id", "relay", 65533, "babel-wireguard-free", new JsonObject { ["publicKey"] = key }));
        Assert.True(reply["success"]!.GetValue<bool>(), reply.ToJsonString() + mesh.Logs);
        Assert.Matches("^[0-9a-f]{32}$", reply["sid"]!.GetValue<string>());

        var peers = await mesh.Gw.ExecAsync("wg", "show", "all", "peers");
        Assert.Contains(key, peers.Stdout);

        // Nobody renews: after the 12 s lease the gateway removes the peer, the addresses and its NAT.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && (await HostTraces.OfAsync(mesh.Gw.Namespace)).Count > 0)
            await Task.Delay(500);
        Assert.Empty(await HostTraces.OfAsync(mesh.Gw.Namespace));
        Assert.Empty((await mesh.Gw.CliJsonAsync("sessions"))["sessions"]!.AsArray());
        Assert.Contains("expired", mesh.Gw.Log);
    }

    [Fact]
    public async Task Renew_and_release_from_another_address_are_refused_and_the_owner_keeps_renewing()
    {
        await using var mesh = await LabMesh.StartAsync();
        var connect = await mesh.Sub.CliAsync("-c", LabMesh.GatewayMesh);
        Assert.True(connect.ExitCode == 0, connect.All + mesh.Logs);
        var sid = (await mesh.Gw.CliJsonAsync("sessions"))["sessions"]![0]!["sid"]!.GetValue<string>();

        // relay learned the sid somehow: it still cannot renew or end sub's session.
        var renew = await MeshRpc.CallAsync(mesh.Relay.Namespace, LabMesh.GatewayMesh, "renewConnection", new JsonArray(sid));
        Assert.False(renew["success"]!.GetValue<bool>());
        Assert.Equal("No such session", renew["errorMsg"]!.GetValue<string>());
        var release = await MeshRpc.CallAsync(mesh.Relay.Namespace, LabMesh.GatewayMesh, "releaseConnection", new JsonObject { ["sid"] = sid });
        Assert.False(release["success"]!.GetValue<bool>());

        // Admin methods are refused from the mesh.
        var admin = await MeshRpc.CallAsync(mesh.Relay.Namespace, LabMesh.GatewayMesh, "listSessions", null);
        Assert.Equal("Permission denied", admin["errorMsg"]!.GetValue<string>());

        // Past one and a half leases the owner's renewals have kept the session alive.
        await Task.Delay(TimeSpan.FromSeconds(18));
        var sessions = (await mesh.Gw.CliJsonAsync("sessions"))["sessions"]!.AsArray();
        Assert.Equal(sid, Assert.Single(sessions)!["sid"]!.GetValue<string>());
        var ping = await mesh.Sub.ExecAsync("ping", "-c", "2", "-i", "0.2", "-W", "2", LabMesh.InternetHost);
        Assert.True(ping.ExitCode == 0, ping.All + mesh.Logs);
    }

    [Fact]
    public async Task Kill9_of_the_subscriber_then_restart_leaves_a_clean_host_and_releases_the_session()
    {
        await using var mesh = await LabMesh.StartAsync();
        var connect = await mesh.Sub.CliAsync("-c", LabMesh.GatewayMesh);
        Assert.True(connect.ExitCode == 0, connect.All + mesh.Logs);

        await mesh.Sub.KillAsync();
        Assert.NotEmpty(await HostTraces.OfAsync(mesh.Sub.Namespace));

        await mesh.Sub.StartAsync();
        Assert.Empty(await HostTraces.OfAsync(mesh.Sub.Namespace));
        Assert.Equal("nameserver 192.0.2.53\n", await File.ReadAllTextAsync(mesh.Sub.ResolvConf));
        // The restarted subscriber told the gateway: no session, nothing left there either.
        Assert.Empty((await mesh.Gw.CliJsonAsync("sessions"))["sessions"]!.AsArray());
        Assert.Empty(await HostTraces.OfAsync(mesh.Gw.Namespace));
    }

    [Fact]
    public async Task Kill9_of_the_gateway_then_restart_keeps_the_subscribers_session()
    {
        await using var mesh = await LabMesh.StartAsync();
        var connect = await mesh.Sub.CliAsync("-c", LabMesh.GatewayMesh);
        Assert.True(connect.ExitCode == 0, connect.All + mesh.Logs);
        var before = (await mesh.Gw.CliJsonAsync("sessions"))["sessions"]![0]!;

        await mesh.Gw.KillAsync();
        await mesh.Gw.StartAsync();

        var after = Assert.Single((await mesh.Gw.CliJsonAsync("sessions"))["sessions"]!.AsArray())!;
        Assert.Equal(before["sid"]!.GetValue<string>(), after["sid"]!.GetValue<string>());
        Assert.Equal(before["ipv4"]!.GetValue<string>(), after["ipv4"]!.GetValue<string>());
        // WireGuard re-handshakes with the restored peer; traffic flows again without reconnecting. The
        // subscriber's side starts a new handshake only after 15 s of sending without hearing back
        // (WireGuard's keepalive + rekey timeouts), so allow twice that.
        var ping = await mesh.Sub.ExecAsync("ping", "-c", "1", "-w", "30", LabMesh.InternetHost);
        Assert.True(ping.ExitCode == 0, ping.All + mesh.Logs);
    }
}
