using System.Net;

namespace Mnigs.Networks.Yggdrasil;

/// <summary>
/// A directly connected peer (<c>getPeers</c>). 0.4 lists connected peers only; 0.5 also lists configured peers
/// that are down (<see cref="Up"/> false, no address). <see cref="Remote"/> is the link's URI, such as
/// <c>tls://[fe80::1%25eth0]:40873</c>; a peer found by multicast names its interface in the zone.
/// </summary>
public sealed record YggdrasilPeer(IPAddress? Address, string Key, string? Remote, bool Up, bool? Inbound, ulong Port, ulong? Cost)
{
    /// <summary>The interface in the remote's zone (<c>%eth0</c>, <c>%25eth0</c>), else the remote URI itself.</summary>
    public string Interface => ZoneOf(Remote) ?? Remote ?? "";

    private static string? ZoneOf(string? remote)
    {
        if (remote is null)
            return null;
        var percent = remote.IndexOf('%');
        var close = remote.IndexOf(']');
        if (percent < 0 || close < percent)
            return null;
        var zone = remote[(percent + 1)..close];
        // In a URI the '%' of the zone is itself escaped as %25.
        if (zone.StartsWith("25", StringComparison.Ordinal) && remote.Contains("://", StringComparison.Ordinal))
            zone = zone[2..];
        return zone.Length > 0 ? zone : null;
    }
}
