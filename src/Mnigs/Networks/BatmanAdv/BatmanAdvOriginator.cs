namespace Mnigs.Networks.BatmanAdv;

/// <summary>
/// One line of <c>batctl meshif bat0 originators</c>: a node of the mesh (by its originator address, the MAC
/// of its primary hard interface) as seen through one next hop. A node appears once per next hop that
/// forwarded its messages; <see cref="Best"/> marks the line batman-adv routes by.
/// </summary>
/// <param name="Tq">BATMAN_IV's transmit quality towards the node, 0 to 255.</param>
/// <param name="ThroughputMbits">BATMAN_V's estimated throughput towards the node, in Mbit/s.</param>
/// <param name="Interface">The hard interface towards the next hop (empty when batctl could not name it).</param>
public sealed record BatmanAdvOriginator(
    MacAddress Originator, TimeSpan LastSeen, int? Tq, double? ThroughputMbits, MacAddress NextHop, string Interface, bool Best);
