using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Host;
using Mnigs.Platform;
using Mnigs.Tunnels;

namespace Mnigs.Tests.Tunnels.OpenVpn;

/// <summary>
/// The subscriber's openvpn client through <see cref="FakeServiceProcesses"/> and a fake openvpn on its management
/// socket: what it runs with, when a connection counts as up, what a refusal says, and that nothing stays behind.
/// </summary>
public sealed class OpenVpnClientTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private const string Interface = "mnabcds0";
    private const string Service = "openvpn-" + Interface;
    private readonly OpenVpnScenario _gateway = new();
    private readonly OpenVpnScenario _subscriber = new(connectWait: TimeSpan.FromSeconds(2));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _subscriber.DisposeAsync();
    }

    private string Directory => _subscriber.ClientDirectory(Interface);

    /// <summary>A connection as the subscriber has it after the gateway's reply (reached over <paramref name="gateway"/>).</summary>
    private SubscriberTunnelInput Input(IPAddress? gateway = null)
    {
        var keys = _subscriber.Tunnel.CreateKeys();
        var admission = _gateway.Tunnel.Admit(keys.Options, OpenVpnScenario.SubscriberMesh);
        var reply = _gateway.Tunnel.DescribeForSubscriber(OpenVpnScenario.Session("s1", admission.State), OpenVpnScenario.GatewayMesh);
        // A hostile gateway names another endpoint: it is never used.
        reply["endpoint"] = "192.0.2.66";
        return new SubscriberTunnelInput(Interface, keys.Secret, reply, gateway ?? OpenVpnScenario.GatewayMesh,
            InterfaceAddress.Parse("10.203.0.2/24"), InterfaceAddress.Parse("fd6d:6e69:6775::2/64"), 1400,
            IPAddress.Parse("10.203.0.1"), IPAddress.Parse("fd6d:6e69:6775::1"));
    }

    /// <summary>Connects while a fake openvpn answers on the client's socket with <paramref name="states"/> after hold release.</summary>
    private async Task<(Task Connecting, FakeOpenVpnPeer Peer)> ConnectAsync(SubscriberTunnelInput input, params string[] states)
    {
        var peerTask = _subscriber.PeerWhenStartedAsync(Service, Path.Combine(Directory, "management.sock"));
        var connecting = _subscriber.Tunnel.ConnectSubscriberAsync(input, None);
        var peer = await peerTask;
        await peer.WaitForAsync("hold release");
        if (states.Length > 0)
            await peer.SendAsync(states);
        return (connecting, peer);
    }

    [Fact]
    public async Task A_connection_is_up_once_openvpn_is_CONNECTED_and_runs_from_files_only_Mnigs_can_read()
    {
        var input = Input();

        var (connecting, peer) = await ConnectAsync(input, Recorded.ClientStatesToConnected);
        await connecting.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(["state on", "hold off", "hold release"], peer.Received);
        var spec = Assert.Single(_subscriber.Services.Started);
        Assert.True(spec.SameAs(new("openvpn-mnabcds0", "/usr/sbin/openvpn", ["--config", Path.Combine(Directory, "client.conf")])), spec.ToString());
        Assert.Equal(input.Secret, await File.ReadAllTextAsync(Path.Combine(Directory, "client.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Directory));
        foreach (var file in new[] { "client.key", "client.crt", "client.conf" })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Directory, file)));
        var config = await File.ReadAllTextAsync(Path.Combine(Directory, "client.conf"));
        Assert.Contains("remote 10.77.0.3 1194\n", config);
        Assert.DoesNotContain("192.0.2.66", config);
        Assert.Contains($"peer-fingerprint {input.Tunnel["fingerprint"]!.GetValue<string>()}\n", config);
        Assert.Contains("tun-mtu 1400\n", config);
        Assert.DoesNotContain("PRIVATE", config);
    }

    [Fact]
    public async Task The_gateway_is_reached_on_the_address_the_subscriber_found_it_on()
    {
        var (connecting, _) = await ConnectAsync(Input(IPAddress.Parse("fd77::3")), Recorded.ClientStatesToConnected);
        await connecting.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Contains("remote fd77::3 1194\n", await File.ReadAllTextAsync(Path.Combine(Directory, "client.conf")));
    }

    [Fact]
    public async Task A_refusal_by_the_gateway_says_so()
    {
        var (connecting, _) = await ConnectAsync(Input(), Recorded.ClientStatesRefused);

        var error = await Assert.ThrowsAsync<IOException>(() => connecting.WaitAsync(TimeSpan.FromSeconds(5)));

        Assert.Equal("The gateway 10.77.0.3 port 1194 refused the OpenVPN connection: it holds no live session for this certificate from this address", error.Message);
    }

    [Fact]
    public async Task A_gateway_that_never_answers_is_given_up_on_with_the_last_state()
    {
        var (connecting, _) = await ConnectAsync(Input(), ">STATE:1795619118,WAIT,,,,,,", ">STATE:1795619123,RECONNECTING,server_poll,,,,,");

        var error = await Assert.ThrowsAsync<IOException>(() => connecting.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal("No OpenVPN connection to 10.77.0.3 port 1194 within 2 s (last state RECONNECTING (server_poll)): is its server reachable over the mesh on UDP?",
            error.Message);
    }

    [Fact]
    public async Task An_openvpn_that_exits_while_connecting_says_so()
    {
        var (connecting, peer) = await ConnectAsync(Input(), ">STATE:1795619118,WAIT,,,,,,");

        peer.Close();

        var error = await Assert.ThrowsAsync<IOException>(() => connecting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("openvpn exited while connecting to 10.77.0.3 port 1194 (last state WAIT)", error.Message);
    }

    [Fact]
    public async Task Disconnecting_stops_the_client_and_removes_its_files_also_for_a_connection_a_crash_left()
    {
        var input = Input();
        var (connecting, _) = await ConnectAsync(input, Recorded.ClientStatesToConnected);
        await connecting;

        await _subscriber.Tunnel.DisconnectSubscriberAsync(input, None);
        await _subscriber.Tunnel.DisconnectSubscriberAsync(input with { InterfaceName = "mnabcds2" }, None);

        Assert.False(_subscriber.Services.IsRunning(Service));
        Assert.False(System.IO.Directory.Exists(Directory));
    }

    [Fact]
    public async Task A_connection_given_up_on_while_connecting_leaves_nothing_running()
    {
        using var giveUp = new CancellationTokenSource();
        var peerTask = _subscriber.PeerWhenStartedAsync(Service, Path.Combine(Directory, "management.sock"));
        var connecting = _subscriber.Tunnel.ConnectSubscriberAsync(Input(), giveUp.Token);
        var peer = await peerTask;
        await peer.WaitForAsync("hold release");

        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(_subscriber.Services.IsRunning(Service));
        Assert.False(System.IO.Directory.Exists(Directory));
    }

    [Fact]
    public async Task A_new_connection_on_a_slot_replaces_whatever_ran_there()
    {
        var (first, peer) = await ConnectAsync(Input(), Recorded.ClientStatesToConnected);
        await first;
        await peer.DisposeAsync();

        var (second, _) = await ConnectAsync(Input(), Recorded.ClientStatesToConnected);
        await second.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(2, _subscriber.Services.Started.Length);
    }

    [Fact]
    public async Task A_reply_that_does_not_fit_the_key_never_starts_openvpn()
    {
        var input = Input();
        var other = Input();
        var mixed = input with { Tunnel = new JsonObject(input.Tunnel.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))) { ["certificate"] = other.Tunnel["certificate"]!.DeepClone() } };

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _subscriber.Tunnel.ConnectSubscriberAsync(mixed, None));

        Assert.Equal("The gateway's reply holds an OpenVPN certificate for another key than this connection's", error.Message);
        Assert.Empty(_subscriber.Services.Started);
    }
}
