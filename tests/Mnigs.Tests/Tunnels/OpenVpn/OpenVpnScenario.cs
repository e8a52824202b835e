using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Core.Suites;
using Mnigs.Platform;
using Mnigs.Tests.TestSupport;
using Mnigs.Tunnels;
using Mnigs.Tunnels.OpenVpn;

namespace Mnigs.Tests.Tunnels.OpenVpn;

/// <summary>
/// One node's openvpn tunnel in a scratch state directory, with programs recorded by <see cref="FakeServiceProcesses"/>
/// and, where a test needs openvpn to answer, a <see cref="FakeOpenVpnPeer"/> on the management socket it would open.
/// </summary>
internal sealed class OpenVpnScenario : IAsyncDisposable
{
    public const string GatewayInterface = "mnabcdg1";
    public static readonly IPAddress SubscriberMesh = IPAddress.Parse("10.77.0.1");
    public static readonly IPAddress OtherMesh = IPAddress.Parse("10.77.0.2");
    public static readonly IPAddress GatewayMesh = IPAddress.Parse("10.77.0.3");

    private readonly ScratchDirectory _state = new("openvpn");
    private readonly List<FakeOpenVpnPeer> _peers = [];

    public OpenVpnScenario(TimeSpan? connectWait = null)
    {
        Options = new OpenVpnOptions(GatewayInterface, _state.File("openvpn"), 1194, NewPools(), TunDevice: _state.File("tun"));
        File.WriteAllText(Options.TunDevice, "");
        Tunnel = new OpenVpnTunnel(Options, Services, Time, NullLogger<OpenVpnTunnel>.Instance, connectWait);
        Assert.True(Tunnel.Check(Facts).Available);
    }

    public static readonly HostFacts Facts = new(
        DefaultRouteInterface: "uplink0", KernelWireGuard: false, WireGuardGo: null, WireGuardTools: false, Nftables: true,
        SystemdResolved: false, Resolvers: [], Programs: new Dictionary<string, string> { ["openvpn"] = "/usr/sbin/openvpn" });

    public OpenVpnOptions Options { get; }

    public FakeServiceProcesses Services { get; } = new();

    public ManualTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-11-25T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public OpenVpnTunnel Tunnel { get; }

    public string StateDirectory => Options.StateDirectory;

    public string ServerSocket => Path.Combine(StateDirectory, "server", "management.sock");

    public string ServerConfig => Path.Combine(StateDirectory, "server", "server.conf");

    public string ClientDirectory(string iface) => Path.Combine(StateDirectory, "clients", iface);

    public static TunnelPools NewPools() =>
        new(new AddressPool(IPNetwork.Parse("10.203.0.0/24")), new AddressPool(IPNetwork.Parse("fd6d:6e69:6775::/64")));

    /// <summary>A session of <paramref name="tunnel"/> as the gateway keeps it, with the tunnel state <see cref="OpenVpnTunnel.Admit"/> gave.</summary>
    public static GatewaySession Session(string sid, JsonObject state, IPAddress? mesh = null, string v4 = "10.203.0.2", string? v6 = "fd6d:6e69:6775::2",
        string tunnel = "openvpn") => new()
        {
            Sid = sid,
            MeshAddress = mesh ?? SubscriberMesh,
            Suite = new Suite("babel", tunnel, "free"),
            Ipv4 = IPAddress.Parse(v4),
            Ipv6 = v6 is null ? null : IPAddress.Parse(v6),
            TunnelState = state,
            CreatedAt = DateTimeOffset.UnixEpoch,
            ExpiresAt = DateTimeOffset.UnixEpoch.AddMinutes(5),
        };

    /// <summary>A subscriber's keys and the session the gateway opened for them.</summary>
    public (SubscriberTunnelKeys Keys, GatewaySession Session) Subscribe(string sid, IPAddress? mesh = null, string v4 = "10.203.0.2", string? v6 = "fd6d:6e69:6775::2")
    {
        var keys = Tunnel.CreateKeys();
        var admission = Tunnel.Admit(keys.Options, mesh ?? SubscriberMesh);
        Assert.True(admission.Ok, admission.Error);
        return (keys, Session(sid, admission.State, mesh, v4, v6));
    }

    /// <summary>
    /// openvpn's management socket at <paramref name="path"/>, opened once <paramref name="service"/> is started (as
    /// openvpn opens it), for the conversation the test then has with Mnigs.
    /// </summary>
    public Task<FakeOpenVpnPeer> PeerWhenStartedAsync(string service, string path)
    {
        var before = Services.Started.Count(s => s.Name == service);
        return Task.Run(() => PeerWhenStartedAsync(service, path, before));
    }

    private async Task<FakeOpenVpnPeer> PeerWhenStartedAsync(string service, string path, int before)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Services.Running(service) is null || Services.Started.Count(s => s.Name == service) == before)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{service} was never started");
            await Task.Delay(5);
        }
        var peer = FakeOpenVpnPeer.Listen(path);
        lock (_peers)
            _peers.Add(peer);
        return peer;
    }

    public async ValueTask DisposeAsync()
    {
        await Tunnel.DisposeAsync();
        foreach (var peer in _peers)
            await peer.DisposeAsync();
        _state.Dispose();
    }
}
