using System.Net;

namespace Mnigs.Networks.Layer2.Mdns;

/// <summary>
/// Another Mnigs daemon on the segment, as it announced itself over mDNS. <paramref name="Addresses"/> are
/// on the segment's subnets (IPv4 first); <paramref name="NodeId"/> is null when its TXT record gave none.
/// </summary>
public sealed record MdnsPeer(string Instance, string? NodeId, string Name, bool Gateway, int Port, IReadOnlyList<IPAddress> Addresses,
    DateTimeOffset Expires);
