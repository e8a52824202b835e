namespace Mnigs.Networks.BatmanAdv;

/// <summary>
/// One line of <c>batctl meshif bat0 neighbors</c>: a node heard directly on a hard interface (by the MAC
/// of that node's interface on the link).
/// </summary>
/// <param name="ThroughputMbits">BATMAN_V's throughput estimate of the link in Mbit/s; BATMAN_IV prints none.</param>
public sealed record BatmanAdvNeighbour(MacAddress Address, string Interface, TimeSpan LastSeen, double? ThroughputMbits);
