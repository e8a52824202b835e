using System.Net;
using Mnigs.Core.Gateway;

namespace Mnigs.Tunnels.KernelTunnels;

/// <param name="Kind">ipip or gre.</param>
/// <param name="Pools">The tunnel's address pools (ipip has no IPv6 pool: it carries IPv4 only).</param>
/// <param name="Mtu">MTU of the links, or 0 for the kernel's choice (the route's MTU less the headers).</param>
/// <param name="Names">The gateway's link names, shared with the other kernel tunnel.</param>
/// <param name="OwnAddresses">This node's addresses on a network (by name), for the gateway's end of a link.</param>
public sealed record KernelTunnelOptions(
    KernelTunnelKind Kind,
    TunnelPools? Pools,
    int Mtu,
    KernelTunnelNames Names,
    Func<string, IReadOnlyList<IPAddress>> OwnAddresses);
