using System.Net;

namespace Mnigs.Networks.Yggdrasil;

/// <summary>
/// This node as its yggdrasil sees it (<c>getSelf</c>): its address in 200::/7, the /64 it may route (300::/8),
/// its public key, and either its tree coordinates (0.4) or its count of routing entries (0.5).
/// </summary>
public sealed record YggdrasilSelf(
    IPAddress Address,
    IPNetwork? Subnet,
    string Key,
    string? BuildName,
    string? BuildVersion,
    IReadOnlyList<ulong>? Coords,
    ulong? RoutingEntries)
{
    /// <summary>0.4 nodes report tree coordinates and keep a DHT (<c>getDHT</c>); 0.5 nodes answer <c>getTree</c> instead.</summary>
    public bool KeepsDht => Coords is not null;

    /// <summary>The build version, unless the build did not record one (Debian's says "unknown").</summary>
    public string? Version => BuildVersion is null or "" or "unknown" ? null : BuildVersion;
}
