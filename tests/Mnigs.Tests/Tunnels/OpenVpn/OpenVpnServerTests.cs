using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Core.Gateway;
using Mnigs.Platform;
using Mnigs.Tunnels.OpenVpn;

namespace Mnigs.Tests.Tunnels.OpenVpn;

/// <summary>
/// The gateway's server through <see cref="FakeServiceProcesses"/> and a fake openvpn on its management socket: when it
/// runs, whom it lets in, and how a session that ends loses its connection at once.
/// </summary>
public sealed class OpenVpnServerTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private const string Service = "openvpn-" + OpenVpnScenario.GatewayInterface;
    private readonly OpenVpnScenario _gateway = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private static string Fingerprint(GatewaySession s) => s.TunnelState["fingerprint"]!.GetValue<string>();

    private static string CommonName(GatewaySession s) => s.TunnelState["commonName"]!.GetValue<string>();

    /// <summary>Syncs <paramref name="sessions"/> with the server starting, and returns the fake openvpn it talks to.</summary>
    private async Task<FakeOpenVpnPeer> StartAsync(params GatewaySession[] sessions)
    {
        var peer = _gateway.PeerWhenStartedAsync(Service, _gateway.ServerSocket);
        await _gateway.Tunnel.SyncGatewayAsync(sessions, None);
        return await peer;
    }

    [Fact]
    public async Task With_a_session_the_server_runs_from_its_config_and_is_released_from_hold_by_Mnigs()
    {
        var (_, session) = _gateway.Subscribe("s1");

        var peer = await StartAsync(session);

        var spec = Assert.Single(_gateway.Services.Started);
        Assert.True(spec.SameAs(new ServiceSpec(Service, "/usr/sbin/openvpn", ["--config", _gateway.ServerConfig])), spec.ToString());
        var config = await File.ReadAllTextAsync(_gateway.ServerConfig);
        Assert.Contains("dev mnabcdg1\n", config);
        Assert.Contains("ifconfig 10.203.0.1 255.255.255.0\n", config);
        Assert.Contains($"ca \"{Path.Combine(_gateway.StateDirectory, "gateway.crt")}\"\n", config);
        Assert.Contains($"management \"{_gateway.ServerSocket}\" unix\n", config);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_gateway.ServerConfig));
        Assert.Equal(["hold off", "hold release", "status 3"], peer.Received);
    }

    [Fact]
    public async Task Without_openvpn_sessions_nothing_runs()
    {
        await _gateway.Tunnel.SyncGatewayAsync([], None);
        await _gateway.Tunnel.SyncGatewayAsync([OpenVpnScenario.Session("w1", [], tunnel: "wireguard")], None);

        Assert.Empty(_gateway.Services.Started);
        Assert.False(File.Exists(_gateway.ServerConfig));
    }

    [Fact]
    public async Task A_live_sessions_certificate_gets_in_with_its_addresses_pushed()
    {
        var (_, session) = _gateway.Subscribe("s1");
        var peer = await StartAsync(session);

        await peer.SendAsync(Recorded.Connect(0, 1, Fingerprint(session), "10.77.0.1", CommonName(session)));

        await peer.WaitForAsync("END");
        Assert.Equal(["client-auth 0 1", "ifconfig-push 10.203.0.2 255.255.255.0", "ifconfig-ipv6-push fd6d:6e69:6775::2/64 fd6d:6e69:6775::1", "END"],
            peer.Received.Skip(3));
    }

    [Fact]
    public async Task A_certificate_without_a_session_or_from_another_address_is_refused()
    {
        var (_, session) = _gateway.Subscribe("s1");
        var (_, stranger) = _gateway.Subscribe("s2");
        var peer = await StartAsync(session);

        await peer.SendAsync(Recorded.Connect(0, 1, Fingerprint(stranger), "10.77.0.1", CommonName(stranger)));
        await peer.SendAsync(Recorded.Connect(1, 1, Fingerprint(session), "10.77.0.2", CommonName(session)));

        var first = await peer.WaitForAsync(l => l.StartsWith("client-deny 0 1 ", StringComparison.Ordinal), "a denial of client 0");
        var second = await peer.WaitForAsync(l => l.StartsWith("client-deny 1 1 ", StringComparison.Ordinal), "a denial of client 1");
        Assert.EndsWith("belongs to no live session\" \"no live session for this certificate\"", first);
        Assert.Equal("client-deny 1 1 \"session s1 belongs to 10.77.0.1, not 10.77.0.2\" \"no live session for this certificate\"", second);
        Assert.DoesNotContain(peer.Received, l => l.StartsWith("client-auth", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Renegotiation_of_a_live_session_is_let_through_and_of_an_ended_one_refused()
    {
        var (_, session) = _gateway.Subscribe("s1");
        var (_, other) = _gateway.Subscribe("s2", OpenVpnScenario.OtherMesh, "10.203.0.3", "fd6d:6e69:6775::3");
        var peer = await StartAsync(session, other);

        await peer.SendAsync(Recorded.Connect(0, 2, Fingerprint(session), "10.77.0.1", CommonName(session), "REAUTH"));
        await peer.WaitForAsync("client-auth-nt 0 2");
        await _gateway.Tunnel.SyncGatewayAsync([other], None);
        await peer.SendAsync(Recorded.Connect(0, 3, Fingerprint(session), "10.77.0.1", CommonName(session), "REAUTH"));

        await peer.WaitForAsync(l => l.StartsWith("client-deny 0 3 ", StringComparison.Ordinal), "a denied renegotiation");
    }

    [Fact]
    public async Task A_released_or_expired_session_loses_its_connection_at_once_and_the_others_keep_theirs()
    {
        var (_, leaving) = _gateway.Subscribe("s1");
        var (_, staying) = _gateway.Subscribe("s2", OpenVpnScenario.OtherMesh, "10.203.0.3", "fd6d:6e69:6775::3");
        var peer = await StartAsync(leaving, staying);
        await peer.SendAsync([.. Recorded.Connect(4, 1, Fingerprint(leaving), "10.77.0.1", CommonName(leaving)), .. Recorded.Established(4)]);
        await peer.SendAsync([.. Recorded.Connect(5, 1, Fingerprint(staying), "10.77.0.2", CommonName(staying)), .. Recorded.Established(5)]);
        await peer.WaitForAsync("client-auth 5 1");
        peer.Status = Recorded.Status((4, CommonName(leaving), "10.77.0.1"), (5, CommonName(staying), "10.77.0.2"));

        // GatewayService syncs right after it released (or expired) s1.
        await _gateway.Tunnel.SyncGatewayAsync([staying], None);

        Assert.Contains("client-kill 4", peer.Received);
        Assert.DoesNotContain("client-kill 5", peer.Received);
        Assert.Single(_gateway.Services.Started);
        Assert.True(_gateway.Services.IsRunning(Service));
    }

    [Fact]
    public async Task A_connection_let_in_but_not_yet_listed_is_ended_too_and_one_already_gone_is_no_error()
    {
        var (_, leaving) = _gateway.Subscribe("s1");
        var (_, staying) = _gateway.Subscribe("s2", OpenVpnScenario.OtherMesh, "10.203.0.3", "fd6d:6e69:6775::3");
        var peer = await StartAsync(leaving, staying);
        await peer.SendAsync(Recorded.Connect(6, 1, Fingerprint(leaving), "10.77.0.1", CommonName(leaving)));
        await peer.WaitForAsync("client-auth 6 1");
        peer.KillFails = true;

        await _gateway.Tunnel.SyncGatewayAsync([staying], None);

        Assert.Contains("client-kill 6", peer.Received);
    }

    [Fact]
    public async Task A_refused_client_is_left_to_leave_and_a_disconnected_one_is_forgotten()
    {
        var (_, session) = _gateway.Subscribe("s1");
        var (_, other) = _gateway.Subscribe("s2", OpenVpnScenario.OtherMesh, "10.203.0.3", "fd6d:6e69:6775::3");
        var peer = await StartAsync(session, other);
        await peer.SendAsync(Recorded.Connect(7, 1, Fingerprint(other), "10.77.0.1", CommonName(other)));
        await peer.WaitForAsync(l => l.StartsWith("client-deny 7 1 ", StringComparison.Ordinal), "the denial");
        await peer.SendAsync(Recorded.Connect(8, 1, Fingerprint(session), "10.77.0.1", CommonName(session)));
        await peer.WaitForAsync("client-auth 8 1");
        await peer.SendAsync(Recorded.Disconnect(8));
        // Messages are answered in order: once 9 is let in, the disconnect of 8 has been taken in.
        await peer.SendAsync(Recorded.Connect(9, 1, Fingerprint(other), "10.77.0.2", CommonName(other)));
        await peer.WaitForAsync("client-auth 9 1");
        // openvpn lists the refused one a few seconds before it lets it go.
        peer.Status = Recorded.Status((7, CommonName(other), "10.77.0.1"));

        await _gateway.Tunnel.SyncGatewayAsync([other], None);
        await _gateway.Tunnel.SyncGatewayAsync([other], None);

        Assert.DoesNotContain(peer.Received, l => l.StartsWith("client-kill", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_the_last_session_ends_the_server_stops()
    {
        var (_, session) = _gateway.Subscribe("s1");
        await StartAsync(session);

        await _gateway.Tunnel.SyncGatewayAsync([], None);

        Assert.False(_gateway.Services.IsRunning(Service));
        Assert.Equal(OpenVpnScenario.Facts.Program("openvpn"), Assert.Single(_gateway.Services.Started).Program);
    }

    [Fact]
    public async Task A_server_that_died_is_started_again_by_the_next_sync()
    {
        var (_, session) = _gateway.Subscribe("s1");
        var first = await StartAsync(session);

        _gateway.Services.Exit(Service);
        first.Close();
        await first.DisposeAsync();
        var second = await StartAsync(session);

        Assert.Equal(2, _gateway.Services.Started.Length);
        await second.SendAsync(Recorded.Connect(0, 1, Fingerprint(session), "10.77.0.1", CommonName(session)));
        await second.WaitForAsync("client-auth 0 1");
    }

    [Fact]
    public async Task After_a_daemon_restart_the_restored_sessions_certificates_get_in_again()
    {
        var (_, session) = _gateway.Subscribe("s1");
        var fingerprint = _gateway.Tunnel.DescribeForSubscriber(session, OpenVpnScenario.GatewayMesh)["fingerprint"]!.GetValue<string>();

        // A new daemon on the same state directory: the same gateway certificate, the session as the store kept it.
        var services = new FakeServiceProcesses();
        await using var restarted = new OpenVpnTunnel(_gateway.Options, services, _gateway.Time, NullLogger<OpenVpnTunnel>.Instance);
        Assert.True(restarted.Check(OpenVpnScenario.Facts).Available);
        var stored = session with { TunnelState = System.Text.Json.Nodes.JsonNode.Parse(session.TunnelState.ToJsonString())!.AsObject() };
        var peerTask = Task.Run(async () =>
        {
            while (services.Running(Service) is null)
                await Task.Delay(5);
            return FakeOpenVpnPeer.Listen(_gateway.ServerSocket);
        });
        await restarted.SyncGatewayAsync([stored], None);
        await using var peer = await peerTask;

        Assert.Equal(fingerprint, restarted.DescribeForSubscriber(stored, OpenVpnScenario.GatewayMesh)["fingerprint"]!.GetValue<string>());
        await peer.SendAsync(Recorded.Connect(0, 1, Fingerprint(stored), "10.77.0.1", CommonName(stored)));
        await peer.WaitForAsync("client-auth 0 1");
    }
}

