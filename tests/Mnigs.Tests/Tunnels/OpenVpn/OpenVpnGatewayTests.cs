using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Core.Gateway;
using Mnigs.Platform;
using Mnigs.Tests.TestSupport;
using Mnigs.Tunnels.OpenVpn;

namespace Mnigs.Tests.Tunnels.OpenVpn;

/// <summary>
/// The openvpn tunnel inside a gateway daemon (<see cref="DaemonRig"/>, wired as mnigsd is), spoken to as subscribers
/// would: a session's connection is ended the moment it is released or its lease runs out, the others stay, and the
/// server runs only while there are openvpn sessions.
/// </summary>
public sealed class OpenVpnGatewayTests : IAsyncLifetime
{
    private const string Suite = "babel-openvpn-free";
    private static readonly IPAddress Alice = IPAddress.Parse("fd00::a");
    private static readonly IPAddress Bob = IPAddress.Parse("fd00::b");

    private readonly ScratchDirectory _state = new("openvpn-gateway");
    private readonly FakeServiceProcesses _services = new();
    private OpenVpnOptions _options = null!;
    private OpenVpnTunnel _tunnel = null!;
    private DaemonRig _rig = null!;

    private string Service => "openvpn-" + _options.GatewayInterface;

    private string Socket => Path.Combine(_options.StateDirectory, "server", "management.sock");

    public async Task InitializeAsync()
    {
        File.WriteAllText(_state.File("tun"), "");
        _options = new OpenVpnOptions("mnabcdg1", _state.File("openvpn"), 1194, OpenVpnScenario.NewPools(), TunDevice: _state.File("tun"));
        _tunnel = new OpenVpnTunnel(_options, _services, TimeProvider.System, NullLogger<OpenVpnTunnel>.Instance);
        _rig = await DaemonRig.StartAsync(facts: DaemonRig.GatewayFacts with { Programs = OpenVpnScenario.Facts.Programs },
            extraTunnels: [_tunnel], extraPools: new Dictionary<string, TunnelPools> { ["openvpn"] = _options.Pools! });
    }

    public async Task DisposeAsync()
    {
        await _rig.DisposeAsync();
        await _tunnel.DisposeAsync();
        _state.Dispose();
    }

    /// <summary>requestConnection for a fresh key; the session's certificate and name from the reply and the book.</summary>
    private async Task<(string Sid, string Fingerprint, string CommonName)> RequestAsync(IPAddress caller)
    {
        var reply = await _rig.RequestConnectionAsync(caller, OpenVpnKeys.Create().PublicKey, Suite);
        Assert.True(RpcWire.Success(reply), reply.ToJsonString());
        var sid = reply["sid"]!.GetValue<string>();
        var state = _rig.Gateway.Sessions.Single(s => s.Sid == sid).TunnelState;
        Assert.Equal(state["certificate"]!.GetValue<string>(), reply["tunnel"]!["certificate"]!.GetValue<string>());
        return (sid, state["fingerprint"]!.GetValue<string>(), state["commonName"]!.GetValue<string>());
    }

    /// <summary>The first openvpn session, which starts the server: its session and the fake openvpn the server talks to.</summary>
    private async Task<(FakeOpenVpnPeer Peer, (string Sid, string Fingerprint, string CommonName) Session)> FirstSessionAsync(IPAddress caller)
    {
        var before = _services.Started.Length;
        var peer = Task.Run(async () =>
        {
            while (_services.Started.Length == before)
                await Task.Delay(5);
            return FakeOpenVpnPeer.Listen(Socket);
        });
        var session = await RequestAsync(caller);
        return (await peer, session);
    }

    [Fact]
    public async Task The_gateway_offers_openvpn_and_runs_its_server_only_while_it_has_openvpn_sessions()
    {
        var info = await _rig.CallAsync("nodeInfo", null, Alice);
        Assert.Contains(Suite, info["suites"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));
        Assert.Empty(_services.Started);
        Assert.DoesNotContain(_options.GatewayInterface, _rig.Platform.Current.ServiceLinks);

        var (peer, alice) = await FirstSessionAsync(Alice);
        await using var _ = peer;

        Assert.True(_services.IsRunning(Service));
        Assert.Contains(_options.GatewayInterface, _rig.Platform.Current.ServiceLinks);
        Assert.Contains(_options.GatewayInterface, _rig.Platform.Current.Firewall.SubscriberInterfaces);
        Assert.Contains(IPNetwork.Parse("10.203.0.0/24"), _rig.Platform.Current.Firewall.MasqueradeSources);

        var released = await _rig.CallAsync("releaseConnection", new JsonObject { ["sid"] = alice.Sid }, Alice);

        Assert.True(RpcWire.Success(released));
        Assert.False(_services.IsRunning(Service));
    }

    [Fact]
    public async Task A_session_whose_lease_runs_out_loses_its_connection_at_once_and_the_other_keeps_its_own()
    {
        var (peer, alice) = await FirstSessionAsync(Alice);
        await using var _ = peer;
        _rig.Clock.Advance(TimeSpan.FromSeconds(200));
        var bob = await RequestAsync(Bob);
        await peer.SendAsync([.. Recorded.Connect(0, 1, alice.Fingerprint, "fd00::a", alice.CommonName), .. Recorded.Established(0)]);
        await peer.SendAsync([.. Recorded.Connect(1, 1, bob.Fingerprint, "fd00::b", bob.CommonName), .. Recorded.Established(1)]);
        await peer.WaitForAsync("client-auth 1 1");
        peer.Status = Recorded.Status((0, alice.CommonName, "fd00::a"), (1, bob.CommonName, "fd00::b"));

        // Alice's lease (300 s) ends; Bob's has 200 s left.
        _rig.Clock.Advance(TimeSpan.FromSeconds(150));
        Assert.Equal(1, await _rig.Gateway.ExpireAsync(CancellationToken.None));

        Assert.Contains("client-kill 0", peer.Received);
        Assert.DoesNotContain("client-kill 1", peer.Received);
        Assert.Single(_services.Started);
        // Alice, still holding her certificate, tries again: refused.
        await peer.SendAsync(Recorded.Connect(2, 1, alice.Fingerprint, "fd00::a", alice.CommonName));
        await peer.WaitForAsync(l => l.StartsWith("client-deny 2 1 ", StringComparison.Ordinal), "Alice refused");
    }

    [Fact]
    public async Task A_release_ends_that_connection_at_once()
    {
        var (peer, alice) = await FirstSessionAsync(Alice);
        await using var _ = peer;
        var bob = await RequestAsync(Bob);
        await peer.SendAsync([.. Recorded.Connect(0, 1, alice.Fingerprint, "fd00::a", alice.CommonName), .. Recorded.Established(0)]);
        await peer.WaitForAsync("client-auth 0 1");

        var released = await _rig.CallAsync("releaseConnection", new JsonObject { ["sid"] = alice.Sid }, Alice);

        Assert.True(RpcWire.Success(released));
        Assert.Contains("client-kill 0", peer.Received);
        Assert.True(_services.IsRunning(Service));
        Assert.Contains(bob.CommonName, _rig.Gateway.Sessions.Select(s => s.TunnelState["commonName"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_request_without_a_usable_key_is_refused_before_anything_runs()
    {
        var reply = await _rig.RequestConnectionAsync(Alice, "bm90IGEga2V5", Suite);

        Assert.False(RpcWire.Success(reply));
        Assert.Equal("options.publicKey must be an EC P-256 public key (base64 SubjectPublicKeyInfo)", reply["errorMsg"]!.GetValue<string>());
        Assert.Empty(_services.Started);
        Assert.Empty(_rig.Gateway.Sessions);
    }
}
