using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Platform;

namespace Mnigs.Tunnels.SoftEther;

/// <summary>
/// Tunnel <c>softether</c>: SoftEther VPN 5.01 (Debian's softether-vpnserver, -vpnclient, -vpncmd), an Ethernet
/// segment over TLS from the subscriber's virtual adapter to a virtual hub on the gateway, bridged there to a tap
/// that routes and masquerades like every other tunnel. Both programs are Mnigs' own instances, configured with vpncmd
/// (<see cref="SoftEtherServer"/>, <see cref="SoftEtherClient"/>); vpncmd's reference is its built-in help
/// (<c>vpncmd /?</c>, <c>COMMAND /HELP</c>).
/// <list type="bullet">
/// <item>Gateway: one hub; one user per session with a random password, deleted with the session (its sessions
/// disconnected at once); the server runs while there are sessions.</item>
/// <item>Subscriber: vpnclient's adapter <c>vpn_mnigs</c>, one connection at a time; the addresses from the reply go on
/// it, and the Internet is routed via the gateway's address inside the tunnel (an Ethernet segment has no device routes
/// to the world).</item>
/// </list>
/// Protocol fields: options {}; reply tunnel {type, port, hub, user, password, certificate, mtu}.
/// </summary>
public sealed class SoftEtherTunnel : ITunnelAdapter
{
    private const int Mtu = 1500;

    private readonly SoftEtherOptions _options;
    private readonly SoftEtherServer _server;
    private readonly SoftEtherClient _client;
    private volatile SoftEtherPrograms? _programs;

    public SoftEtherTunnel(SoftEtherOptions options, IServiceProcesses services, IHostPlatform platform, ICommandRunner runner, ILogger<SoftEtherTunnel> log,
        TimeSpan? pollInterval = null)
    {
        _options = options;
        _server = new SoftEtherServer(options, services, platform, runner, log, pollInterval);
        _client = new SoftEtherClient(options, services, platform, runner, log, pollInterval);
    }

    public string Name => "softether";

    public IReadOnlyList<string> GatewayInterfaces => [_options.GatewayTap];

    public string? SharedSubscriberInterface => _options.SubscriberNic;

    /// <summary>Available when vpnserver, vpnclient, vpncmd and unshare are installed and the tun device exists; remembers the programs.</summary>
    public AdapterHealthFacts Check(HostFacts facts)
    {
        _programs = SoftEtherPrograms.From(facts);
        if (_programs is null)
        {
            var missing = SoftEtherPrograms.Needed.Where(p => facts.Program(p) is null).ToList();
            return new(false, $"SoftEther VPN is not installed: no {string.Join(", ", missing)} on PATH "
                + "(Debian: apt-get install softether-vpnserver softether-vpnclient softether-vpncmd util-linux)");
        }
        if (!File.Exists(_options.TunDevice))
            return new(false, $"no {_options.TunDevice}: SoftEther's virtual network adapters need the kernel's tun driver");
        return new(true, "SoftEther VPN (vpnserver, vpnclient and vpncmd)");
    }

    // --- gateway half ---

    /// <summary>Nothing to read from the subscriber: the session gets a user and password of its own.</summary>
    public TunnelAdmission Admit(JsonObject? options, IPAddress caller) => TunnelAdmission.Accept(SoftEtherAccount.Create().ToState());

    public JsonObject DescribeForSubscriber(GatewaySession session, IPAddress meshAddress) =>
        new SoftEtherReply(_options.Port, SoftEtherOptions.Hub, SoftEtherAccount.From(session.TunnelState)!, _server.Certificate.CertificatePem).ToJson(Name, Mtu);

    /// <summary>Nothing of Mnigs' own: the server's tap carries the sessions (its addresses come in <see cref="SyncGatewayAsync"/>).</summary>
    public HostState GatewayState(IReadOnlyList<GatewaySession> sessions) => HostState.Empty;

    public Task SyncGatewayAsync(IReadOnlyList<GatewaySession> sessions, CancellationToken ct) =>
        _server.SyncAsync([.. sessions.Select(s => SoftEtherAccount.From(s.TunnelState)).OfType<SoftEtherAccount>()], _programs, ct);

    // --- subscriber half ---

    /// <summary>No secrets of the subscriber's own: the gateway's reply brings the user and password.</summary>
    public SubscriberTunnelKeys CreateKeys() => new("", []);

    public SubscriberTunnelPlan PlanSubscriber(SubscriberTunnelInput input)
    {
        var (_, error) = SoftEtherReply.Parse(input.Tunnel);
        if (error is not null)
            return SubscriberTunnelPlan.Fail(error);
        if (input.Ipv4 is null && input.Ipv6 is null)
            return SubscriberTunnelPlan.Fail("The gateway's reply has no tunnel address");
        if ((input.Ipv4 is not null && input.TunnelGateway4 is null) || (input.Ipv6 is not null && input.TunnelGateway6 is null))
            return SubscriberTunnelPlan.Fail("The gateway's reply does not name its own address inside the tunnel, which the routes need");
        if (_programs is null)
            return SubscriberTunnelPlan.Fail("SoftEther VPN is not installed on this node");
        // The addresses come with the connection (ConnectSubscriberAsync), the routes with SubscriberService.
        return new SubscriberTunnelPlan(true, null, HostState.Empty);
    }

    public Task ConnectSubscriberAsync(SubscriberTunnelInput input, CancellationToken ct)
    {
        var (reply, error) = SoftEtherReply.Parse(input.Tunnel);
        if (reply is null)
            throw new ArgumentException(error, nameof(input));
        var programs = _programs ?? throw new IOException("SoftEther VPN is not installed on this node");
        var gateway = input.GatewayMeshAddress.IsIPv4MappedToIPv6 ? input.GatewayMeshAddress.MapToIPv4() : input.GatewayMeshAddress;
        return _client.ConnectAsync(reply, gateway, input.Ipv4, input.Ipv6, programs, ct);
    }

    public Task DisconnectSubscriberAsync(SubscriberTunnelInput input, CancellationToken ct) => _client.DisconnectAsync(ct);

    /// <summary>The usual default routes, but via the gateway's address inside the tunnel: the adapter is an Ethernet segment.</summary>
    public HostState RouteInternet(SubscriberTunnelInput input, HostState usual) => usual with
    {
        Routes = [.. usual.Routes.Select(r => r.Device != _options.SubscriberNic || r.Via is not null ? r
            : r.Destination.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? r with { Via = input.TunnelGateway4 }
            : r with { Via = input.TunnelGateway6 })],
    };
}
