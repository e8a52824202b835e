using Mnigs.Tests.TestSupport;
using Mnigs.Tunnels.OpenVpn;

namespace Mnigs.Tests.Tunnels.OpenVpn;

/// <summary>The management protocol against a peer that speaks it as openvpn 2.6 does.</summary>
public sealed class OpenVpnManagementTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly ScratchDirectory _directory = new("openvpn-management");
    private readonly FakeOpenVpnPeer _peer;

    public OpenVpnManagementTests() => _peer = FakeOpenVpnPeer.Listen(_directory.File("management.sock"));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _peer.DisposeAsync();
        _directory.Dispose();
    }

    private Task<OpenVpnManagement> ConnectAsync() => OpenVpnManagement.ConnectAsync(_peer.Path, TimeSpan.FromSeconds(5), null, None);

    [Fact]
    public async Task Commands_get_openvpns_answer_and_the_greeting_comes_as_events()
    {
        await using var management = await ConnectAsync();

        Assert.Equal("hold flag set to OFF", await management.SendAsync("hold off", None));
        Assert.Equal("hold release succeeded", await management.SendAsync("hold release", None));

        var info = await management.Events.ReadAsync();
        var hold = await management.Events.ReadAsync();
        Assert.Equal(("INFO", "OpenVPN Management Interface Version 5 -- type 'help' for more info"), (info.Kind, info.Text));
        Assert.Equal(("HOLD", "Waiting for hold release:0"), (hold.Kind, hold.Text));
        Assert.Equal(["hold off", "hold release"], _peer.Received);
    }

    [Fact]
    public async Task An_ERROR_answer_is_an_exception_with_openvpns_words()
    {
        await using var management = await ConnectAsync();

        var error = await Assert.ThrowsAsync<OpenVpnManagementException>(() => management.SendAsync("frobnicate", None));

        Assert.Equal("openvpn refused: unknown command, enter 'help' for more options", error.Message);
        Assert.Equal("hold flag set to OFF", await management.SendAsync("hold off", None));
    }

    [Fact]
    public async Task A_multi_line_answer_runs_to_END_and_messages_in_between_are_events_with_their_ENV()
    {
        await using var management = await ConnectAsync();
        _peer.Status = Recorded.Status((3, "mnigs-aaaa", "10.77.0.1"));
        await _peer.SendAsync(Recorded.Connect(3, 1, "3d:28:45:cd:37:5b:45:16:a4:83:e7:16:ef:ba:dc:20:85:0b:86:bf:9d:44:2b:58:22:d1:eb:07:02:ac:1b:79", "10.77.0.1", "mnigs-aaaa"));

        var status = await management.QueryAsync("status 3", None);

        Assert.Equal(_peer.Status, status);
        ManagementEvent connect;
        do
            connect = await management.Events.ReadAsync();
        while (connect.Kind is "INFO" or "HOLD");
        Assert.Equal("CLIENT:CONNECT", connect.Kind);
        Assert.Equal(["3", "1"], connect.Fields);
        Assert.Equal("10.77.0.1", connect["untrusted_ip"]);
        Assert.Equal("mnigs-aaaa", connect["common_name"]);
        Assert.Equal("CN=mnigs-gateway", connect["tls_id_1"]);
        Assert.Equal(Recorded.Connect(3, 1, "x", "10.77.0.1", "y").Length - 2, connect.Env.Count);
    }

    [Fact]
    public async Task A_client_auth_block_is_sent_whole_and_answered_once()
    {
        await using var management = await ConnectAsync();

        var answer = await management.SendAsync(["client-auth 0 1", "ifconfig-push 10.203.0.2 255.255.255.0", "END"], None);

        Assert.Equal("client-auth command succeeded", answer);
        Assert.Equal(["client-auth 0 1", "ifconfig-push 10.203.0.2 255.255.255.0", "END"], _peer.Received);
    }

    [Fact]
    public async Task When_openvpn_goes_away_the_events_end_and_a_command_fails_plainly()
    {
        var management = await ConnectAsync();
        await _peer.Connected;

        _peer.Close();
        await management.Closed.WaitAsync(TimeSpan.FromSeconds(5));

        var events = new List<ManagementEvent>();
        await foreach (var e in management.Events.ReadAllAsync())
            events.Add(e);
        Assert.All(events, e => Assert.True(e.Kind is "INFO" or "HOLD"));
        var error = await Assert.ThrowsAsync<OpenVpnManagementException>(() => management.SendAsync("hold off", None));
        Assert.Equal("openvpn's management interface has closed", error.Message);
        await management.DisposeAsync();
    }

    [Fact]
    public async Task A_socket_that_never_appears_is_a_plain_error_and_an_exited_openvpn_is_not_waited_for()
    {
        var missing = _directory.File("nobody.sock");

        var late = await Assert.ThrowsAsync<OpenVpnManagementException>(() => OpenVpnManagement.ConnectAsync(missing, TimeSpan.FromMilliseconds(200), null, None));
        var started = DateTime.UtcNow;
        var exited = await Assert.ThrowsAsync<OpenVpnManagementException>(() => OpenVpnManagement.ConnectAsync(missing, TimeSpan.FromSeconds(30), () => false, None));

        Assert.StartsWith($"openvpn's management interface {missing} does not answer", late.Message);
        Assert.StartsWith("openvpn exited right after it started", exited.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_command_with_a_line_break_is_never_sent()
    {
        await using var management = await ConnectAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => management.SendAsync("client-deny 0 1 \"x\"\nclient-auth-nt 0 1", None));

        Assert.Empty(_peer.Received);
    }
}
