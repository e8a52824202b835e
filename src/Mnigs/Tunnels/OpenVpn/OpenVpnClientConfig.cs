using System.Globalization;
using System.Net;
using System.Text;
using Mnigs.Core.Host;

namespace Mnigs.Tunnels.OpenVpn;

/// <summary>
/// One subscriber connection, as an openvpn 2.6 client config file. Everything that decides where traffic goes stays
/// with Mnigs: the client sets the addresses the reply gave (whatever the server pushes instead is ignored), adds no
/// routes (Mnigs routes through <see cref="Interface"/> in its own table) and keeps the tun across reconnects, so those
/// routes survive a gateway restart. The gateway is pinned by its certificate's fingerprint.
/// </summary>
/// <param name="Gateway">Always the address the subscriber reached the gateway on, never one from the reply.</param>
/// <param name="TunnelGateway6">The gateway's IPv6 address in the tunnel; openvpn wants one with --ifconfig-ipv6.</param>
public sealed record OpenVpnClientConfig(
    string Interface,
    IPAddress Gateway,
    int Port,
    string Fingerprint,
    InterfaceAddress? Ipv4,
    InterfaceAddress? Ipv6,
    IPAddress? TunnelGateway6,
    int Mtu,
    string CertificatePath,
    string KeyPath,
    string ManagementSocket)
{
    /// <summary>Pushed options the client ignores: addresses, routes, resolvers are Mnigs' business.</summary>
    private static readonly string[] Ignored = ["ifconfig", "route", "redirect-gateway", "redirect-private", "dhcp-option", "dns", "block-ipv6"];

    public string Render()
    {
        if (!OpenVpnKeys.IsFingerprint(Fingerprint))
            throw new ArgumentException("Not a SHA-256 fingerprint", nameof(Fingerprint));
        var text = new StringBuilder();
        text.Append("# Written by Mnigs for one connection; removed when it ends.\n");
        text.Append("client\n");
        text.Append(CultureInfo.InvariantCulture, $"dev {Interface}\ndev-type tun\ntopology subnet\ntun-mtu {Mtu}\npersist-tun\n");
        text.Append(CultureInfo.InvariantCulture, $"proto udp\nremote {Gateway} {Port}\nnobind\n");
        // A lost server is tried again after a second, each attempt given 5 s: back within seconds of a gateway restart.
        text.Append("connect-retry 1 5\nserver-poll-timeout 5\n");
        if (Ipv4 is { } v4)
            text.Append(CultureInfo.InvariantCulture, $"ifconfig {v4.Address} {OpenVpnText.Netmask(v4.PrefixLength)}\n");
        if (Ipv6 is { } v6)
            text.Append(CultureInfo.InvariantCulture, $"ifconfig-ipv6 {v6} {TunnelGateway6 ?? v6.Address}\n");
        foreach (var option in Ignored)
            text.Append(CultureInfo.InvariantCulture, $"pull-filter ignore \"{option}\"\n");
        text.Append("route-noexec\n");
        text.Append(CultureInfo.InvariantCulture, $"peer-fingerprint {Fingerprint.ToUpperInvariant()}\n");
        text.Append(CultureInfo.InvariantCulture, $"cert {OpenVpnText.Quote(CertificatePath)}\nkey {OpenVpnText.Quote(KeyPath)}\n");
        // Held until Mnigs listens, so it sees every state change up to CONNECTED (or why not).
        text.Append(CultureInfo.InvariantCulture, $"management {OpenVpnText.Quote(ManagementSocket)} unix\nmanagement-hold\n");
        text.Append("verb 3\n");
        return text.ToString();
    }
}
