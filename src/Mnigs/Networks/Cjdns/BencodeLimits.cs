namespace Mnigs.Networks.Cjdns;

/// <summary>
/// How much a decoder takes before it gives up. The defaults fit cjdns' admin datagrams: one UDP datagram at
/// most, nested no deeper than cjdroute's own parser allows (32).
/// </summary>
public sealed record BencodeLimits(int MaxBytes = BencodeLimits.DatagramBytes, int MaxDepth = 32)
{
    /// <summary>The largest UDP payload over IPv4 or IPv6 without jumbograms.</summary>
    public const int DatagramBytes = 65535;

    public static BencodeLimits Default { get; } = new();
}
