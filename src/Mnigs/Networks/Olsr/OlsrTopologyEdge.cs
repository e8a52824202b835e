using System.Net;

namespace Mnigs.Networks.Olsr;

/// <summary>
/// One edge of the topology (<c>/topology</c>): the node <see cref="LastHop"/> announced in its TC messages that
/// it reaches <see cref="Destination"/> at <see cref="Cost"/> (olsrd's unit). Both are main addresses.
/// </summary>
public sealed record OlsrTopologyEdge(IPAddress LastHop, IPAddress Destination, double? Cost)
{
    public bool Usable => Cost is not >= OlsrCost.LinkBroken;
}
