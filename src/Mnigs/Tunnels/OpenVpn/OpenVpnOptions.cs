using Mnigs.Core.Gateway;

namespace Mnigs.Tunnels.OpenVpn;

/// <param name="GatewayInterface">The server's tun, named like Mnigs' own so cleanup after a crash removes it.</param>
/// <param name="StateDirectory">Where the gateway's key and certificate, the server's and clients' config files and
/// management sockets live (created 0700; everything secret in it 0600).</param>
/// <param name="Port">UDP port of the gateway's server (every address: see <see cref="OpenVpnTunnel"/>).</param>
/// <param name="Pools">The addresses sessions of this tunnel get; the pools' gateway addresses go on the server's tun.</param>
/// <param name="TunDevice">The kernel's TUN device; openvpn cannot run without it.</param>
public sealed record OpenVpnOptions(
    string GatewayInterface,
    string StateDirectory,
    int Port,
    TunnelPools? Pools,
    int Mtu = OpenVpnOptions.DefaultMtu,
    string TunDevice = "/dev/net/tun")
{
    /// <summary>The tun MTU both ends use unless the path is narrower (as WireGuard's, so one mesh link fits both).</summary>
    public const int DefaultMtu = 1420;

    public AddressPool? Ipv4 => Pools?.Ipv4;
    public AddressPool? Ipv6 => Pools?.Ipv6;
}
