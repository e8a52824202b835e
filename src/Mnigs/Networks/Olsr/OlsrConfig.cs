using System.Net;
using System.Net.Sockets;

namespace Mnigs.Networks.Olsr;

/// <summary>
/// What Mnigs needs of olsrd's configuration (<c>/config</c>) and version (<c>/version</c>): its main address,
/// its address family and its version (0.6 puts the version in /config, 0.9 in /version). Any may be unknown.
/// </summary>
public sealed record OlsrConfig(IPAddress? MainAddress, AddressFamily? Family, string? Version);
