using System.Net;

namespace Mnigs.Networks.Olsr;

/// <summary>
/// One route olsrd computed (<c>/routes</c>): to <see cref="Destination"/> through the next hop <see cref="Via"/>
/// on <see cref="Interface"/>, <see cref="Hops"/> hops away at <see cref="Cost"/> (olsrd's unit).
/// </summary>
public sealed record OlsrRoute(IPNetwork Destination, IPAddress? Via, int? Hops, double? Cost, string Interface)
{
    public bool IsHostRoute => Destination.PrefixLength == Destination.BaseAddress.GetAddressBytes().Length * 8;

    public bool Usable => Cost is not >= OlsrCost.RouteBroken;
}
