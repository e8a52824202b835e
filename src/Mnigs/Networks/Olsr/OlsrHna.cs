using System.Net;

namespace Mnigs.Networks.Olsr;

/// <summary>
/// A network announced with HNA (<c>/hna</c>) by the node whose main address is <see cref="Gateway"/>.
/// olsrd 0.9 also lists this node's own announcements, with its own main address.
/// </summary>
public sealed record OlsrHna(IPNetwork Prefix, IPAddress Gateway)
{
    private static readonly IPNetwork Ipv6Internet = IPNetwork.Parse("2000::/3");
    private static readonly IPNetwork Ipv4OverIpv6Internet = IPNetwork.Parse("::ffff:0:0/96");

    /// <summary>
    /// Whether the prefix is what olsrd itself takes for an Internet gateway (gateway.c, is_prefix_inetgw):
    /// 0.0.0.0/0 and ::/0, and in IPv6 meshes 2000::/3 and ::ffff:0:0/96 (IPv4 over NIIT).
    /// </summary>
    public bool IsInternet => Prefix.PrefixLength == 0 || Prefix.Equals(Ipv6Internet) || Prefix.Equals(Ipv4OverIpv6Internet);
}
