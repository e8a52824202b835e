using System.Net;

namespace Mnigs.Networks.Babel;

/// <summary>
/// A babel neighbour (<c>add neighbour H address A if I reach R ureach U rxcost N txcost N cost N</c>).
/// <see cref="Reach"/> is the 16-bit history of received hellos; a cost of 65535 means unreachable.
/// </summary>
public sealed record BabelNeighbour(IPAddress Address, string Interface, ushort Reach, int RxCost, int TxCost, int Cost)
{
    /// <summary>babeld's infinite metric/cost.</summary>
    public const int Infinity = 0xFFFF;

    public bool Reachable => Cost < Infinity;
}
