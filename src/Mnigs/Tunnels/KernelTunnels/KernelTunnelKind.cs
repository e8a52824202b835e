using System.Net;
using System.Net.Sockets;

namespace Mnigs.Tunnels.KernelTunnels;

/// <summary>
/// What tells the <c>ipip</c> and <c>gre</c> tunnels apart: the link kind for IPv4 and for IPv6 mesh addresses, the
/// kernel module behind each (for the operator's <c>modprobe</c>), the bytes each adds to a packet, and whether the
/// tunnel carries IPv6 inside (ipip carries IPv4 only; gre carries both, as ip6tnl in mode any does).
/// </summary>
public sealed record KernelTunnelKind(
    string Name,
    string Ipv4Kind,
    string Ipv4Module,
    int Ipv4Overhead,
    string Ipv6Kind,
    string Ipv6Module,
    int Ipv6Overhead,
    bool CarriesIpv6)
{
    /// <summary>IPv4 in IPv4 (RFC 2003), as olsrd's smart gateway uses; over IPv6 mesh addresses ip6tnl (RFC 2473).</summary>
    public static readonly KernelTunnelKind Ipip = new("ipip", "ipip", "ipip", 20, "ip6tnl", "ip6_tunnel", 40, CarriesIpv6: false);

    /// <summary>GRE (RFC 2784) without key or checksum, IPv4 and IPv6 inside; over IPv6 mesh addresses ip6gre.</summary>
    public static readonly KernelTunnelKind Gre = new("gre", "gre", "ip_gre", 24, "ip6gre", "ip6_gre", 44, CarriesIpv6: true);

    /// <summary>The link kind for a tunnel between mesh addresses of <paramref name="mesh"/>'s family.</summary>
    public string LinkKindFor(IPAddress mesh) => mesh.AddressFamily == AddressFamily.InterNetworkV6 ? Ipv6Kind : Ipv4Kind;

    public string ModuleOf(string linkKind) => linkKind == Ipv6Kind ? Ipv6Module : Ipv4Module;

    /// <summary>The MTU offered when none is configured: an Ethernet-sized path less the tunnel's headers.</summary>
    public int DefaultMtuFor(IPAddress mesh) => 1500 - (mesh.AddressFamily == AddressFamily.InterNetworkV6 ? Ipv6Overhead : Ipv4Overhead);
}
