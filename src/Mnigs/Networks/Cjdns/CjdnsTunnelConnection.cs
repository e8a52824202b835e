namespace Mnigs.Networks.Cjdns;

/// <summary>
/// One IpTunnel connection as IpTunnel_showConnection describes it: the other node's key, whether this node
/// opened it (a subscriber's connectTo) or allows it (a gateway's allowConnection), and the addresses it carries.
/// A subscriber's outgoing connection has its addresses only once the gateway has sent them.
/// </summary>
public sealed record CjdnsTunnelConnection(int Number, string Key, bool Outgoing, CjdnsTunnelAddress? Ipv4, CjdnsTunnelAddress? Ipv6);
