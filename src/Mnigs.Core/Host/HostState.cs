using System.Collections.Immutable;
using System.Net;

namespace Mnigs.Core.Host;

/// <summary>
/// The complete state Mnigs wants the host to be in. Adapters compute it; Platform makes the host
/// match it, idempotently. Anything not listed here and carrying Mnigs' prefix is removed.
/// </summary>
public sealed record HostState
{
    public static readonly HostState Empty = new();

    public ImmutableArray<WireGuardInterface> WireGuard { get; init; } = [];
    /// <summary>Mnigs' ipip, gre, ip6tnl and ip6gre links (tunnels <c>ipip</c> and <c>gre</c>).</summary>
    public ImmutableArray<KernelTunnelLink> KernelTunnels { get; init; } = [];
    /// <summary>
    /// Interfaces named like Mnigs' own that a tunnel's program creates, configures and removes itself (an OpenVPN
    /// tun): the platform never deletes them under their program, also not right after they are dropped from the state
    /// (the tunnel stops the program then); cleanup after a crash removes what is left.
    /// </summary>
    public ImmutableArray<string> ServiceLinks { get; init; } = [];
    /// <summary>Routes in Mnigs' own routing table (<see cref="RoutingPolicy.Table"/>).</summary>
    public ImmutableArray<RouteSpec> Routes { get; init; } = [];
    /// <summary>When set, policy rules send traffic not matched by a specific main-table route to Mnigs' table.</summary>
    public RoutingPolicy? Policy { get; init; }
    public FirewallSpec Firewall { get; init; } = FirewallSpec.None;
    /// <summary>Forwarding on (gateway). Previous values are restored when no longer wanted.</summary>
    public bool Forwarding { get; init; }
    public DnsSpec? Dns { get; init; }

    public HostState Merge(HostState other) => new()
    {
        WireGuard = WireGuard.AddRange(other.WireGuard),
        KernelTunnels = KernelTunnels.AddRange(other.KernelTunnels),
        ServiceLinks = ServiceLinks.AddRange(other.ServiceLinks),
        Routes = Routes.AddRange(other.Routes),
        Policy = Policy ?? other.Policy,
        Firewall = Firewall.Merge(other.Firewall),
        Forwarding = Forwarding || other.Forwarding,
        Dns = Dns ?? other.Dns,
    };
}

/// <summary>A WireGuard interface owned by Mnigs. <see cref="PrivateKey"/> is a secret: never log it.</summary>
public sealed record WireGuardInterface(
    string Name,
    string PrivateKey,
    int? ListenPort,
    ImmutableArray<InterfaceAddress> Addresses,
    int Mtu,
    ImmutableArray<WireGuardPeer> Peers)
{
    public override string ToString() =>
        $"{Name} port={ListenPort} mtu={Mtu} addrs=[{string.Join(",", Addresses)}] peers={Peers.Length}";
}

/// <summary>
/// A kernel tunnel link owned by Mnigs: <c>ip link add NAME type KIND local LOCAL remote REMOTE</c> (KIND one of
/// <see cref="Kinds"/>). <see cref="Local"/> null leaves the outer source to the kernel; <see cref="Mtu"/> null leaves
/// the MTU the kernel derives from the route to <see cref="Remote"/>.
/// </summary>
public sealed record KernelTunnelLink(
    string Name,
    string Kind,
    IPAddress? Local,
    IPAddress Remote,
    ImmutableArray<TunnelAddress> Addresses,
    int? Mtu = null)
{
    /// <summary>The link kinds Mnigs creates: IPv4 (ipip, gre) and IPv6 (ip6tnl, ip6gre) outer headers.</summary>
    public static readonly ImmutableArray<string> Kinds = ["ipip", "gre", "ip6tnl", "ip6gre"];

    public override string ToString() =>
        $"{Name} {Kind} local={Local?.ToString() ?? "any"} remote={Remote} mtu={Mtu} addrs=[{string.Join(",", Addresses)}]";
}

/// <summary>An address on a point-to-point link; with <see cref="Peer"/>, the prefix length is the peer's (<c>ip addr add A peer P/32</c>).</summary>
public readonly record struct TunnelAddress(InterfaceAddress Address, IPAddress? Peer = null)
{
    public override string ToString() => Peer is { } peer ? $"{Address.Address} peer {peer}/{Address.PrefixLength}" : Address.ToString();
}

public sealed record WireGuardPeer(
    string PublicKey,
    IPEndPoint? Endpoint,
    ImmutableArray<IPNetwork> AllowedIps,
    int PersistentKeepalive = 0);

/// <summary>
/// A route in Mnigs' table. <c>Via</c> null means a device route. <c>Source</c> is the preferred source
/// address, for a device that carries several tunnels told apart by source (cjdroute's TUN).
/// </summary>
public sealed record RouteSpec(IPNetwork Destination, string Device, IPAddress? Via = null, IPAddress? Source = null);

/// <summary>
/// The wg-quick style policy: at <see cref="Priority"/> look up main but ignore its default route
/// (so mesh routes, including the one to the gateway, keep working); at Priority+1 look up our table.
/// </summary>
public sealed record RoutingPolicy(int Table, int Priority, bool Ipv4 = true, bool Ipv6 = true);

/// <summary>The nftables table <c>inet mnigs</c>, rendered whole and replaced atomically.</summary>
public sealed record FirewallSpec
{
    public static readonly FirewallSpec None = new();

    /// <summary>Subnets masqueraded when they leave through <see cref="Uplink"/>.</summary>
    public ImmutableArray<IPNetwork> MasqueradeSources { get; init; } = [];
    public string? Uplink { get; init; }
    /// <summary>Tunnel interfaces whose traffic may only go to the uplink (subscribers are kept out of the gateway's own networks).</summary>
    public ImmutableArray<string> SubscriberInterfaces { get; init; } = [];
    /// <summary>Clamp TCP MSS to the route MTU on forwarded traffic through these interfaces.</summary>
    public bool ClampMss { get; init; }
    /// <summary>UDP ports opened on input for tunnel endpoints (informational for hosts with a default-drop input policy).</summary>
    public ImmutableArray<int> TunnelPorts { get; init; } = [];
    /// <summary>The payment gate (Payments/Voucher): who waits for payment and what paid sessions have left; rendered by <see cref="NftablesPaymentRules"/>.</summary>
    public PaymentFirewall Payment { get; init; } = PaymentFirewall.None;
    /// <summary>The forward tunnel's gateway rules (Tunnels/Forward): mesh traffic reaches the uplink only from live sessions.</summary>
    public ForwardFirewall Forward { get; init; } = ForwardFirewall.None;
    /// <summary>The socks tunnel's rules (Tunnels/Socks): the gateway's SOCKS port, the subscriber's redirect to redsocks.</summary>
    public SocksFirewall Socks { get; init; } = SocksFirewall.None;

    public bool IsEmpty => MasqueradeSources.IsEmpty && SubscriberInterfaces.IsEmpty && !ClampMss && Payment.IsEmpty && Forward.IsEmpty && Socks.IsEmpty;

    public FirewallSpec Merge(FirewallSpec other) => new()
    {
        MasqueradeSources = MasqueradeSources.AddRange(other.MasqueradeSources),
        Uplink = Uplink ?? other.Uplink,
        SubscriberInterfaces = SubscriberInterfaces.AddRange(other.SubscriberInterfaces),
        ClampMss = ClampMss || other.ClampMss,
        TunnelPorts = TunnelPorts.AddRange(other.TunnelPorts),
        Payment = Payment.Merge(other.Payment),
        Forward = Forward.Merge(other.Forward),
        Socks = Socks.Merge(other.Socks),
    };
}

/// <summary>Resolvers to use while connected; <see cref="ResolvConf"/> is the file to manage when systemd-resolved does not run.</summary>
/// <param name="OverTcp">Ask over TCP (resolv.conf's <c>options use-vc</c>), for a path that carries TCP only (the socks tunnel).</param>
public sealed record DnsSpec(ImmutableArray<IPAddress> Servers, string Interface, string ResolvConf, bool OverTcp = false);

// --- forward tunnel (Tunnels/Forward) ---

/// <summary>
/// The forward tunnel on a gateway: no tunnel at all, so traffic from <see cref="MeshInterfaces"/> to the uplink is
/// forwarded (and masqueraded) only from <see cref="Sources"/>, the mesh addresses of live sessions; the rest is dropped.
/// </summary>
public sealed record ForwardFirewall
{
    public static readonly ForwardFirewall None = new();

    /// <summary>The interfaces of the networks forward runs over (the layer-2 segment's, batman-adv's bat0).</summary>
    public ImmutableArray<string> MeshInterfaces { get; init; } = [];

    public ImmutableArray<ForwardSource> Sources { get; init; } = [];

    public bool IsEmpty => MeshInterfaces.IsEmpty && Sources.IsEmpty;

    public ForwardFirewall Merge(ForwardFirewall other) => new()
    {
        MeshInterfaces = MeshInterfaces.AddRange(other.MeshInterfaces),
        Sources = Sources.AddRange(other.Sources),
    };
}

/// <summary>
/// One subscriber's mesh address in the forward set, for <see cref="TimeLeft"/>: the time its lease has left. The
/// kernel drops the element when it runs out, so an expired lease ends even while the daemon is not running.
/// </summary>
public sealed record ForwardSource(IPAddress Address, TimeSpan TimeLeft);

// --- socks tunnel (Tunnels/Socks) ---

/// <summary>
/// The socks tunnel's rules. Gateway: TCP to <see cref="GatewayPort"/> (dante) from anywhere but the host itself is
/// refused unless it comes from one of <see cref="Clients"/>, the mesh addresses of live sessions, so a released
/// subscriber is refused at once (dante's own rules follow on its reload). Subscriber: TCP, and DNS over UDP, that
/// Mnigs' loopback default route would carry to the Internet is redirected to redsocks on <see cref="RedirectPort"/>;
/// the rest of that traffic is refused (a SOCKS proxy carries TCP only).
/// </summary>
public sealed record SocksFirewall
{
    public static readonly SocksFirewall None = new();

    public int? GatewayPort { get; init; }

    /// <summary>IPv4 addresses only: redsocks reaches SOCKS servers over IPv4.</summary>
    public ImmutableArray<IPAddress> Clients { get; init; } = [];

    public int? RedirectPort { get; init; }

    public bool IsEmpty => GatewayPort is null && RedirectPort is null;

    public SocksFirewall Merge(SocksFirewall other) => new()
    {
        GatewayPort = GatewayPort ?? other.GatewayPort,
        Clients = Clients.AddRange(other.Clients),
        RedirectPort = RedirectPort ?? other.RedirectPort,
    };
}

/// <summary>An address on an interface with its prefix length (host bits set, unlike <see cref="IPNetwork"/>).</summary>
public readonly record struct InterfaceAddress(IPAddress Address, int PrefixLength)
{
    public override string ToString() => $"{Address}/{PrefixLength}";

    public static InterfaceAddress Parse(string text)
    {
        var slash = text.IndexOf('/');
        var address = IPAddress.Parse(slash < 0 ? text : text[..slash]);
        var max = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        var length = slash < 0 ? max : int.Parse(text[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        if (length < 0 || length > max)
            throw new FormatException($"Prefix length {length} out of range in {text}");
        return new InterfaceAddress(address, length);
    }
}
