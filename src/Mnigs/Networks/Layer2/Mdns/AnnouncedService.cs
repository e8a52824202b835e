using System.Net;

namespace Mnigs.Networks.Layer2.Mdns;

/// <summary>
/// One <c>_mnigs._tcp</c> service as a response described it, before the peer table judged it: the TXT values
/// (when valid), the SRV port and the A/AAAA records of the SRV target found in the same response.
/// <paramref name="Ttl"/> 0 is a goodbye.
/// </summary>
internal sealed record AnnouncedService(string Instance, string? NodeId, string? Name, bool Gateway, int Port,
    IReadOnlyList<IPAddress> Addresses, uint Ttl);
