using System.Globalization;
using System.Text;
using Mnigs.Core.Host;

namespace Mnigs.Tunnels.OpenVpn;

/// <summary>
/// The gateway's server, as an openvpn 2.6 config file (openvpn(8); management-notes.txt for the management options).
/// One server for every network: it listens on UDP <see cref="Port"/> of every address (IPv6 socket that takes IPv4
/// too), because openvpn 2.6 binds one address only and one tun per network would put the same pool on several
/// interfaces; the management interface admits a connection only from the mesh address its session was opened from.
/// </summary>
/// <param name="Ipv4">The gateway's address on the tun with the pool's prefix.</param>
/// <param name="Ipv6">Likewise for IPv6; null when the pool has none.</param>
public sealed record OpenVpnServerConfig(
    string Interface,
    int Port,
    InterfaceAddress? Ipv4,
    InterfaceAddress? Ipv6,
    int Mtu,
    string CertificatePath,
    string KeyPath,
    string ManagementSocket)
{
    public string Render()
    {
        var text = new StringBuilder();
        text.Append("# Written by Mnigs each time it starts this server; changes here are lost.\n");
        text.Append("mode server\ntls-server\n");
        text.Append(CultureInfo.InvariantCulture, $"proto udp6\nport {Port}\n");
        text.Append(CultureInfo.InvariantCulture, $"dev {Interface}\ndev-type tun\ntopology subnet\ntun-mtu {Mtu}\n");
        if (Ipv4 is { } v4)
            text.Append(CultureInfo.InvariantCulture, $"ifconfig {v4.Address} {OpenVpnText.Netmask(v4.PrefixLength)}\n");
        if (Ipv6 is { } v6)
            // The second address is only a route target for --route-ipv6, which Mnigs never uses.
            text.Append(CultureInfo.InvariantCulture, $"ifconfig-ipv6 {v6} {v6.Address}\n");
        // The gateway's own certificate is the only authority: only certificates it issued get through TLS at all.
        text.Append(CultureInfo.InvariantCulture, $"ca {OpenVpnText.Quote(CertificatePath)}\ncert {OpenVpnText.Quote(CertificatePath)}\nkey {OpenVpnText.Quote(KeyPath)}\n");
        text.Append("dh none\nremote-cert-tls client\n");
        // Mnigs answers every connection on the management socket (a live session's certificate, from its mesh
        // address, gets its addresses pushed), and waits there for Mnigs before it serves anyone.
        text.Append(CultureInfo.InvariantCulture, $"management {OpenVpnText.Quote(ManagementSocket)} unix\n");
        text.Append("management-client-auth\nmanagement-hold\nauth-user-pass-optional\n");
        // Pings every 5 s, a client gone for 30 s is dropped; clients are told to reconnect when the server stops.
        text.Append("keepalive 5 15\nexplicit-exit-notify 1\n");
        text.Append("verb 3\n");
        return text.ToString();
    }
}
