using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Platform;

namespace Mnigs.Tunnels.Socks;

/// <summary>
/// Tunnel <c>socks</c>: no tunnel interface; the subscriber's TCP goes through a SOCKS5 server on the gateway.
/// Gateway: dante's danted (1.4, danted.conf(5)) on the gateway's IPv4 mesh addresses while it has socks sessions,
/// admitting only their mesh addresses; its configuration is rewritten and danted reloaded (SIGHUP, measured to take
/// effect within ~10 ms; a new listening address or uplink needs a restart) as sessions come and go, and an nftables
/// rule refuses everyone else at the port at once, so a released subscriber is cut off before the reload.
/// Subscriber: one redsocks (0.5, its README) per connection, pointed at the address the gateway was reached on; while
/// the connection is the active one, Mnigs' default route goes to lo and nftables redirects that TCP, and DNS over UDP,
/// to redsocks (resolv.conf's use-vc makes glibc ask over TCP; redsocks' dnstc makes other resolvers fall back to it).
/// IPv4 only: redsocks 0.5 reaches SOCKS servers over IPv4 and redirects IPv4. Protocol fields: options {}; reply
/// tunnel {type, port}.
/// </summary>
public sealed class SocksTunnel(SocksOptions options, IServiceProcesses services, ILogger<SocksTunnel> log) : ITunnelAdapter
{
    private const string DanteService = "danted";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _redirectPorts = new(StringComparer.Ordinal);
    private string? _danteBinding;
    private string? _danteLoaded;

    public string Name => "socks";

    // Subscribers' traffic arrives on the mesh interfaces, addressed to danted: there is no interface of the tunnel's own.
    public IReadOnlyList<string> GatewayInterfaces => [];

    private string DanteConfigPath => Path.Combine(options.StateDirectory, "danted.conf");

    public AdapterHealthFacts Check(HostFacts facts)
    {
        var missing = new List<string>();
        if (facts.Program("danted") is null)
            missing.Add("dante-server (danted)");
        if (facts.Program("redsocks") is null)
            missing.Add("redsocks");
        if (!facts.Nftables)
            missing.Add("nftables (nft)");
        return missing.Count == 0
            ? new(true, "danted and redsocks")
            : new(false, $"{string.Join(" and ", missing)} {(missing.Count == 1 ? "is" : "are")} not installed: the socks tunnel needs danted on a gateway, redsocks on a subscriber and nft on both");
    }

    /// <summary>Not over cjdns or Yggdrasil: their addresses are IPv6, and redsocks 0.5 reaches SOCKS servers over IPv4 only.</summary>
    public bool RunsOver(string network) => network is not ("cjdns" or "yggdrasil");

    public TunnelAdmission Admit(JsonObject? requestOptions, IPAddress caller)
    {
        // danted admits the subscriber by the address its connections come from: the one it asked from.
        if (Normalize(caller).AddressFamily != AddressFamily.InterNetwork)
            return TunnelAdmission.Refuse("The socks tunnel needs the subscriber to ask over IPv4 (redsocks reaches SOCKS servers over IPv4 only)");
        return TunnelAdmission.Accept([]);
    }

    public JsonObject DescribeForSubscriber(GatewaySession session, IPAddress meshAddress) => new()
    {
        ["type"] = Name,
        ["port"] = options.Port,
    };

    public HostState GatewayState(IReadOnlyList<GatewaySession> sessions) => new()
    {
        Firewall = new FirewallSpec { Socks = new SocksFirewall { GatewayPort = options.Port, Clients = [.. Clients(sessions)] } },
    };

    public async Task SyncGatewayAsync(IReadOnlyList<GatewaySession> sessions, CancellationToken ct)
    {
        var clients = Clients(sessions);
        if (clients.Count == 0)
        {
            await StopDanteAsync(ct);
            return;
        }
        var uplink = options.Uplink() ?? throw new InvalidOperationException("danted has no uplink to connect out through: set [gateway] uplink or give this host a default route");
        var listen = options.MeshAddresses().Select(Normalize).Where(a => a.AddressFamily == AddressFamily.InterNetwork).Distinct().OrderBy(Number).ToList();
        if (listen.Count == 0)
            throw new InvalidOperationException("This gateway has no IPv4 mesh address for danted to listen on (redsocks reaches SOCKS servers over IPv4 only)");
        var program = options.Program("danted") ?? throw new InvalidOperationException("dante-server is not installed (no danted)");

        var text = DanteConfig.Render(listen, options.Port, uplink, clients);
        // danted binds its addresses and picks its outgoing interface when it starts; a reload changes only the rules.
        var binding = $"{string.Join(',', listen)} port {options.Port} via {uplink}";
        if (_danteBinding is not null && _danteBinding != binding)
        {
            log.LogInformation("danted restarts: it now listens on {Binding}", binding);
            await StopDanteAsync(ct);
        }
        if (text != _danteLoaded)
            await WriteAsync(DanteConfigPath, text, ct);
        if (!services.IsRunning(DanteService))
        {
            await services.EnsureAsync(new ServiceSpec(DanteService, program, ["-f", DanteConfigPath]), ct);
            _danteBinding = binding;
            _danteLoaded = text;
            await WaitListeningAsync(DanteService, [.. listen.Select(a => new IPEndPoint(a, options.Port))], ct);
            log.LogInformation("danted serves {Count} socks subscribers on {Binding}", clients.Count, binding);
        }
        else if (text != _danteLoaded)
        {
            services.Reload(DanteService);
            _danteLoaded = text;
            log.LogInformation("danted reloaded: it admits {Count} socks subscribers", clients.Count);
        }
    }

    public SubscriberTunnelKeys CreateKeys() => new("", []);

    public SubscriberTunnelPlan PlanSubscriber(SubscriberTunnelInput input)
    {
        if (PortOf(input.Tunnel) is null)
            return SubscriberTunnelPlan.Fail("The gateway's reply has no valid SOCKS port");
        if (Normalize(input.GatewayMeshAddress).AddressFamily != AddressFamily.InterNetwork)
            return SubscriberTunnelPlan.Fail($"The socks tunnel reaches the gateway over IPv4 only (redsocks), and {input.GatewayMeshAddress} is not an IPv4 address");
        // Nothing of its own on the host until it is the active connection (RouteInternet): redsocks alone runs.
        return new SubscriberTunnelPlan(true, null, HostState.Empty);
    }

    public async Task ConnectSubscriberAsync(SubscriberTunnelInput input, CancellationToken ct)
    {
        var gatewayPort = PortOf(input.Tunnel) ?? throw new InvalidOperationException("The gateway's reply has no valid SOCKS port");
        var program = options.Program("redsocks") ?? throw new InvalidOperationException("redsocks is not installed");
        var port = TakeRedirectPort(input.InterfaceName);
        // Always the address we reached the gateway on: a hostile reply must not send our traffic elsewhere.
        var gateway = Normalize(input.GatewayMeshAddress);
        var path = RedsocksConfigPath(input.InterfaceName);
        await WriteAsync(path, RedsocksConfig.Render(port, gateway, gatewayPort), ct);
        var name = RedsocksService(input.InterfaceName);
        await services.EnsureAsync(new ServiceSpec(name, program, ["-c", path]), ct);
        await WaitListeningAsync(name, [new IPEndPoint(IPAddress.Loopback, port)], ct);
        log.LogInformation("redsocks on 127.0.0.1:{Port} carries TCP to the SOCKS server at {Gateway}:{GatewayPort}", port, gateway, gatewayPort);
    }

    public async Task DisconnectSubscriberAsync(SubscriberTunnelInput input, CancellationToken ct)
    {
        await services.StopAsync(RedsocksService(input.InterfaceName), ct);
        // Also for a connection a crash left behind, whose file may never have been written.
        if (File.Exists(RedsocksConfigPath(input.InterfaceName)))
            File.Delete(RedsocksConfigPath(input.InterfaceName));
        lock (_gate)
            _redirectPorts.Remove(input.InterfaceName);
    }

    /// <summary>
    /// The active connection: Mnigs' IPv4 default route goes to lo (connect() needs a route before the redirect can
    /// happen; lo carries nothing off the host), nftables sends that TCP and DNS to redsocks and refuses the rest, and
    /// the resolvers are asked over TCP. IPv6 is left alone: redsocks cannot carry it.
    /// </summary>
    public HostState RouteInternet(SubscriberTunnelInput input, HostState usual)
    {
        int port;
        lock (_gate)
        {
            if (!_redirectPorts.TryGetValue(input.InterfaceName, out port))
                return usual;
        }
        return usual with
        {
            Routes = [new RouteSpec(IPNetwork.Parse("0.0.0.0/0"), "lo")],
            Policy = usual.Policy is { } policy ? policy with { Ipv4 = true, Ipv6 = false } : null,
            Dns = usual.Dns is { } dns ? dns with { OverTcp = true } : null,
            Firewall = usual.Firewall.Merge(new FirewallSpec { Socks = new SocksFirewall { RedirectPort = port } }),
        };
    }

    /// <summary>The IPv4 mesh addresses of this tunnel's sessions, each once, in order.</summary>
    private List<IPAddress> Clients(IReadOnlyList<GatewaySession> sessions) =>
        [.. sessions.Where(s => s.Suite.Tunnel == Name).Select(s => Normalize(s.MeshAddress))
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork).Distinct().OrderBy(Number)];

    private async Task StopDanteAsync(CancellationToken ct)
    {
        if (_danteBinding is null && !services.IsRunning(DanteService))
            return;
        await services.StopAsync(DanteService, ct);
        if (File.Exists(DanteConfigPath))
            File.Delete(DanteConfigPath);
        _danteBinding = null;
        _danteLoaded = null;
        log.LogInformation("danted stopped: no socks subscribers");
    }

    /// <summary>The lowest local port from redirectPort that no other connection of this node uses.</summary>
    private int TakeRedirectPort(string iface)
    {
        lock (_gate)
        {
            if (_redirectPorts.TryGetValue(iface, out var taken))
                return taken;
            var port = options.RedirectPort;
            while (_redirectPorts.ContainsValue(port))
                port++;
            _redirectPorts[iface] = port;
            return port;
        }
    }

    private async Task WaitListeningAsync(string service, IReadOnlyList<IPEndPoint> endpoints, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + options.StartTimeout;
        while (!endpoints.All(options.IsListening))
        {
            if (!services.IsRunning(service))
                throw new InvalidOperationException($"{service} exited as it started (its messages are in the daemon's debug log)");
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"{service} did not listen on {string.Join(", ", endpoints)} within {options.StartTimeout.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)} s (is the port in use?)");
            await Task.Delay(20, ct);
        }
    }

    private string RedsocksConfigPath(string iface) => Path.Combine(options.StateDirectory, $"redsocks-{iface}.conf");

    private static string RedsocksService(string iface) => "redsocks-" + iface;

    private static int? PortOf(JsonObject tunnel) =>
        tunnel["port"] is JsonValue v && v.TryGetValue<int>(out var port) && port is >= 1 and <= 65535 ? port : null;

    /// <summary>Written whole to a new file and renamed over the old, so a reload never reads half of it; readable by root only.</summary>
    private static async Task WriteAsync(string path, string text, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".new";
        await File.WriteAllTextAsync(temporary, text, ct);
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
    }

    private static IPAddress Normalize(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    /// <summary>An IPv4 address as a number, to list addresses in order.</summary>
    private static uint Number(IPAddress a) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(a.GetAddressBytes());
}
