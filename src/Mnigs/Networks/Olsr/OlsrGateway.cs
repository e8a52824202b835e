using System.Net;

namespace Mnigs.Networks.Olsr;

/// <summary>
/// A smart gateway (<c>/gateways</c>, olsrd's SmartGateway feature): the node <see cref="Originator"/> offers
/// Internet access for IPv4 and/or IPv6; <see cref="Cost"/> is the path cost to it in olsrd's unit, and
/// <see cref="Selected"/> says whether this olsrd uses it now.
/// </summary>
public sealed record OlsrGateway(IPAddress Originator, bool Ipv4, bool Ipv6, double? Cost, int? Hops, bool Selected);
