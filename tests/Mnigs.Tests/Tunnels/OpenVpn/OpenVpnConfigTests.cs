using System.Net;
using Mnigs.Core.Host;
using Mnigs.Tunnels.OpenVpn;

namespace Mnigs.Tests.Tunnels.OpenVpn;

/// <summary>The config files Mnigs gives openvpn 2.6 (both were run as written here, in the lab).</summary>
public sealed class OpenVpnConfigTests
{
    private const string Fingerprint = "3D:28:45:CD:37:5B:45:16:A4:83:E7:16:EF:BA:DC:20:85:0B:86:BF:9D:44:2B:58:22:D1:EB:07:02:AC:1B:79";

    [Fact]
    public void The_server_listens_on_every_address_trusts_only_its_own_certificate_and_waits_for_Mnigs()
    {
        var text = new OpenVpnServerConfig("mnabcdg1", 1194, InterfaceAddress.Parse("10.203.0.1/24"), InterfaceAddress.Parse("fd6d:6e69:6775::1/64"),
            1420, "/var/lib/mnigs/openvpn/gateway.crt", "/var/lib/mnigs/openvpn/gateway.key", "/var/lib/mnigs/openvpn/server/management.sock").Render();

        Assert.Equal("""
            # Written by Mnigs each time it starts this server; changes here are lost.
            mode server
            tls-server
            proto udp6
            port 1194
            dev mnabcdg1
            dev-type tun
            topology subnet
            tun-mtu 1420
            ifconfig 10.203.0.1 255.255.255.0
            ifconfig-ipv6 fd6d:6e69:6775::1/64 fd6d:6e69:6775::1
            ca "/var/lib/mnigs/openvpn/gateway.crt"
            cert "/var/lib/mnigs/openvpn/gateway.crt"
            key "/var/lib/mnigs/openvpn/gateway.key"
            dh none
            remote-cert-tls client
            management "/var/lib/mnigs/openvpn/server/management.sock" unix
            management-client-auth
            management-hold
            auth-user-pass-optional
            keepalive 5 15
            explicit-exit-notify 1
            verb 3

            """.ReplaceLineEndings("\n"), text);
    }

    [Fact]
    public void A_server_without_an_IPv6_pool_sets_no_IPv6_address()
    {
        var text = new OpenVpnServerConfig("mnabcdg1", 1194, InterfaceAddress.Parse("10.203.0.1/22"), null, 1420, "/c", "/k", "/s").Render();

        Assert.Contains("ifconfig 10.203.0.1 255.255.252.0\n", text);
        Assert.DoesNotContain("ifconfig-ipv6", text);
    }

    [Fact]
    public void The_client_pins_the_gateway_sets_the_replys_addresses_and_leaves_routes_to_Mnigs()
    {
        var text = new OpenVpnClientConfig("mnabcds0", IPAddress.Parse("10.77.0.3"), 1194, Fingerprint.ToLowerInvariant(),
            InterfaceAddress.Parse("10.203.0.2/24"), InterfaceAddress.Parse("fd6d:6e69:6775::2/64"), IPAddress.Parse("fd6d:6e69:6775::1"), 1400,
            "/var/lib/mnigs/openvpn/clients/mnabcds0/client.crt", "/var/lib/mnigs/openvpn/clients/mnabcds0/client.key",
            "/var/lib/mnigs/openvpn/clients/mnabcds0/management.sock").Render();

        Assert.Equal($"""
            # Written by Mnigs for one connection; removed when it ends.
            client
            dev mnabcds0
            dev-type tun
            topology subnet
            tun-mtu 1400
            persist-tun
            proto udp
            remote 10.77.0.3 1194
            nobind
            connect-retry 1 5
            server-poll-timeout 5
            ifconfig 10.203.0.2 255.255.255.0
            ifconfig-ipv6 fd6d:6e69:6775::2/64 fd6d:6e69:6775::1
            pull-filter ignore "ifconfig"
            pull-filter ignore "route"
            pull-filter ignore "redirect-gateway"
            pull-filter ignore "redirect-private"
            pull-filter ignore "dhcp-option"
            pull-filter ignore "dns"
            pull-filter ignore "block-ipv6"
            route-noexec
            peer-fingerprint {Fingerprint}
            cert "/var/lib/mnigs/openvpn/clients/mnabcds0/client.crt"
            key "/var/lib/mnigs/openvpn/clients/mnabcds0/client.key"
            management "/var/lib/mnigs/openvpn/clients/mnabcds0/management.sock" unix
            management-hold
            verb 3

            """.ReplaceLineEndings("\n"), text);
    }

    [Fact]
    public void An_IPv6_gateway_and_an_IPv4_only_tunnel_are_written_as_such()
    {
        var text = new OpenVpnClientConfig("mnabcds1", IPAddress.Parse("fd77::3"), 11940, Fingerprint,
            InterfaceAddress.Parse("10.203.0.9/24"), null, null, 1280, "/c", "/k", "/s").Render();

        Assert.Contains("remote fd77::3 11940\n", text);
        Assert.DoesNotContain("ifconfig-ipv6", text);
    }

    [Fact]
    public void Paths_are_quoted_and_a_path_with_a_line_break_is_refused()
    {
        Assert.Equal("\"/var/lib/my \\\"mnigs\\\"\\\\state\"", OpenVpnText.Quote("/var/lib/my \"mnigs\"\\state"));
        Assert.Throws<ArgumentException>(() => OpenVpnText.Quote("/var/lib/mnigs\nmanagement 0.0.0.0 7505"));
        Assert.Throws<ArgumentException>(() => new OpenVpnClientConfig("mnabcds0", IPAddress.Loopback, 1194, "not a fingerprint",
            null, null, null, 1400, "/c", "/k", "/s").Render());
    }

    [Theory]
    [InlineData(0, "0.0.0.0")]
    [InlineData(8, "255.0.0.0")]
    [InlineData(24, "255.255.255.0")]
    [InlineData(30, "255.255.255.252")]
    [InlineData(32, "255.255.255.255")]
    public void Prefix_lengths_become_netmasks(int prefix, string mask) => Assert.Equal(mask, OpenVpnText.Netmask(prefix));
}
