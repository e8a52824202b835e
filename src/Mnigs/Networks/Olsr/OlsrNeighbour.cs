using System.Net;

namespace Mnigs.Networks.Olsr;

/// <summary>A one-hop neighbour by its main address (<c>/neighbors</c>), and whether the link to it is symmetric.</summary>
public sealed record OlsrNeighbour(IPAddress Address, bool Symmetric, int? Willingness);
