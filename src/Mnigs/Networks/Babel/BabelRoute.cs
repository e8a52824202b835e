using System.Net;
using System.Net.Sockets;

namespace Mnigs.Networks.Babel;

/// <summary>
/// A route babeld learned from a neighbour (<c>add route H prefix P from S installed yes|no id ROUTER-ID
/// metric M refmetric R via NEXT-HOP if I</c>). <see cref="From"/> is the source prefix (0/0 unless
/// source-specific); <see cref="RouterId"/> is the originating router's EUI-64 id, not an address.
/// </summary>
public sealed record BabelRoute(
    IPNetwork Prefix,
    IPNetwork From,
    bool Installed,
    string RouterId,
    int Metric,
    int RefMetric,
    IPAddress Via,
    string Interface)
{
    public bool IsHostRoute => Prefix.PrefixLength == (Prefix.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);

    public bool IsDefaultRoute => Prefix.PrefixLength == 0;
}
