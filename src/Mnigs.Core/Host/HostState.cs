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

    public bool IsEmpty => MasqueradeSources.IsEmpty && SubscriberInterfaces.IsEmpty && !ClampMss;

    public FirewallSpec Merge(FirewallSpec other) => new()
    {
        MasqueradeSources = MasqueradeSources.AddRange(other.MasqueradeSources),
        Uplink = Uplink ?? other.Uplink,
        SubscriberInterfaces = SubscriberInterfaces.AddRange(other.SubscriberInterfaces),
        ClampMss = ClampMss || other.ClampMss,
        TunnelPorts = TunnelPorts.AddRange(other.TunnelPorts),
    };
}

/// <summary>Resolvers to use while connected; <see cref="ResolvConf"/> is the file to manage when systemd-resolved does not run.</summary>
public sealed record DnsSpec(ImmutableArray<IPAddress> Servers, string Interface, string ResolvConf);

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
