using System.Net;

namespace Mnigs.Networks.Cjdns;

/// <summary>
/// An address cjdns' IpTunnel hands to a subscriber: the address, the prefix the subscriber is told to route
/// through the tunnel (0 routes everything: the Internet), and the size of the allocation (32 or 128: one address).
/// </summary>
public sealed record CjdnsTunnelAddress(IPAddress Address, int Prefix, int Alloc);
