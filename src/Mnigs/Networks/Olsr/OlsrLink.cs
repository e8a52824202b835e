using System.Net;

namespace Mnigs.Networks.Olsr;

/// <summary>
/// One link to a neighbour interface (<c>/links</c>): <see cref="Remote"/> is the neighbour's interface address,
/// not necessarily its main address. <see cref="Cost"/> is in olsrd's unit (<see cref="OlsrCost"/>).
/// <see cref="Status"/> (SYMMETRIC, ASYMMETRIC, LOST, ...) and the interface are printed since 0.9.5 only.
/// </summary>
public sealed record OlsrLink(IPAddress Local, IPAddress Remote, string Interface, double? Cost, double? LinkQuality,
    double? NeighbourLinkQuality, string? Status)
{
    /// <summary>A link olsrd would route over: not broken and, where olsrd says, symmetric.</summary>
    public bool Usable => Cost is not >= OlsrCost.LinkBroken
        && (Status is null || Status.Equals("SYMMETRIC", StringComparison.OrdinalIgnoreCase));
}
