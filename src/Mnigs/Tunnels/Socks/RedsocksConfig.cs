using System.Net;
using System.Net.Sockets;

namespace Mnigs.Tunnels.Socks;

/// <summary>
/// redsocks.conf for one socks connection of a subscriber, in redsocks 0.5's syntax (its README and
/// redsocks.conf.example): in the foreground, logging to stderr, taking the connections the nftables redirect sends
/// to 127.0.0.1:<c>localPort</c> (it reads their real destination with SO_ORIGINAL_DST, the "iptables" redirector)
/// to the gateway's SOCKS5 server; and <c>dnstc</c> on the same port over UDP, which answers every DNS query
/// "truncated" so that resolvers ask again over TCP, which the redirect then carries. IPv4 only in 0.5.
/// </summary>
public static class RedsocksConfig
{
    public const string Header = "// written by mnigs: one socks connection's redsocks";

    public static string Render(int localPort, IPAddress gateway, int gatewayPort)
    {
        if (localPort is < 1 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(localPort), localPort, "not a port");
        if (gatewayPort is < 1 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(gatewayPort), gatewayPort, "not a port");
        if (gateway.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"{gateway} is not an IPv4 address (redsocks 0.5 reaches SOCKS servers over IPv4 only)", nameof(gateway));
        return $$"""
            {{Header}}
            base {
            	log_debug = off;
            	log_info = off;
            	log = stderr;
            	daemon = off;
            	redirector = iptables;
            }
            redsocks {
            	local_ip = 127.0.0.1;
            	local_port = {{localPort}};
            	ip = {{gateway}};
            	port = {{gatewayPort}};
            	type = socks5;
            }
            dnstc {
            	local_ip = 127.0.0.1;
            	local_port = {{localPort}};
            }

            """;
    }
}
