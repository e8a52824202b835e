using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mnigs.Tunnels.Socks;

/// <summary>
/// danted.conf for the socks tunnel's gateway, in Dante 1.4's syntax (danted.conf(5), Debian's dante-server 1.4.2).
/// It listens on the gateway's IPv4 mesh addresses and connects out through the uplink, with no authentication:
/// the client and SOCKS rules pass only the mesh addresses of live sessions, and never towards the gateway itself
/// (loopback, its mesh addresses); rules are first-match, and the last ones block everything else.
/// </summary>
public static class DanteConfig
{
    public const string Header = "# written by mnigs: the socks tunnel's SOCKS server, rewritten as sessions come and go";

    /// <param name="listen">The gateway's IPv4 mesh addresses.</param>
    /// <param name="clients">The IPv4 mesh addresses of live socks sessions.</param>
    public static string Render(IReadOnlyList<IPAddress> listen, int port, string uplink, IReadOnlyList<IPAddress> clients)
    {
        if (listen.Count == 0)
            throw new ArgumentException("danted needs an address to listen on", nameof(listen));
        if (port is < 1 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(port), port, "not a TCP port");
        // The name ends up in the file as it is: only a plain Linux interface name.
        if (uplink.Length is 0 or > 15 || !uplink.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new ArgumentException($"'{uplink}' is not an interface name", nameof(uplink));
        foreach (var address in listen.Concat(clients))
        {
            if (address.AddressFamily != AddressFamily.InterNetwork)
                throw new ArgumentException($"{address} is not an IPv4 address (redsocks reaches SOCKS servers over IPv4 only)");
        }

        var text = new StringBuilder(Header).Append('\n');
        text.Append("logoutput: stderr\n");
        foreach (var address in listen)
            text.Append("internal: ").Append(address).Append(" port = ").Append(port).Append('\n');
        text.Append("external: ").Append(uplink).Append('\n');
        text.Append("clientmethod: none\n");
        text.Append("socksmethod: none\n");
        // The children that talk to clients run as nobody; the mother keeps root to read this file again on SIGHUP.
        text.Append("user.privileged: root\n");
        text.Append("user.unprivileged: nobody\n");
        foreach (var client in clients.Distinct())
            text.Append("client pass { from: ").Append(client).Append("/32 to: 0.0.0.0/0 log: error }\n");
        text.Append("client block { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect }\n");
        // Subscribers get the Internet, not the gateway's own services.
        text.Append("socks block { from: 0.0.0.0/0 to: 127.0.0.0/8 log: connect }\n");
        foreach (var address in listen)
            text.Append("socks block { from: 0.0.0.0/0 to: ").Append(address).Append("/32 log: connect }\n");
        // A keyword's values are a list that runs to the next keyword on its line: command and log each get a line.
        foreach (var client in clients.Distinct())
            text.Append("socks pass {\n\tfrom: ").Append(client).Append("/32 to: 0.0.0.0/0\n\tcommand: connect\n\tlog: error\n}\n");
        text.Append("socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect }\n");
        return text.ToString();
    }
}
