using System.Net.Sockets;
using System.Text;

namespace Mnigs.Core.Host;

/// <summary>
/// Renders <see cref="FirewallSpec"/> as the nftables table <c>inet mnigs</c> (nft 0.9.6+ syntax,
/// see nft(8)). The table is always replaced whole, in one <c>nft -f -</c> transaction, so the host
/// never sees half of it.
/// </summary>
public static class NftablesRuleset
{
    public const string Table = "inet mnigs";

    /// <summary>The table as nft source text; empty chains are left out.</summary>
    public static string Render(FirewallSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Uplink is { } uplink)
            CheckInterfaceName(uplink);
        foreach (var name in spec.SubscriberInterfaces)
            CheckInterfaceName(name);

        var text = new StringBuilder();
        text.Append("table ").Append(Table).Append(" {\n");
        if (!spec.MasqueradeSources.IsEmpty)
        {
            text.Append("\tchain postrouting {\n");
            text.Append("\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
            var outbound = spec.Uplink is null ? "" : $"oifname \"{spec.Uplink}\" ";
            foreach (var source in spec.MasqueradeSources.Distinct())
            {
                var family = source.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? "ip" : "ip6";
                text.Append("\t\t").Append(outbound).Append(family).Append(" saddr ").Append(source).Append(" masquerade\n");
            }
            text.Append("\t}\n");
        }
        if (!spec.SubscriberInterfaces.IsEmpty || spec.ClampMss)
        {
            text.Append("\tchain forward {\n");
            text.Append("\t\ttype filter hook forward priority filter; policy accept;\n");
            if (spec.ClampMss)
                text.Append("\t\ttcp flags syn tcp option maxseg size set rt mtu\n");
            if (!spec.SubscriberInterfaces.IsEmpty)
            {
                text.Append("\t\tct state established,related accept\n");
                // Subscribers reach the Internet through the uplink and nothing else: not the mesh,
                // not the gateway's LAN, not each other.
                foreach (var name in spec.SubscriberInterfaces.Distinct())
                {
                    text.Append("\t\tiifname \"").Append(name).Append('"');
                    if (spec.Uplink is not null)
                        text.Append(" oifname != \"").Append(spec.Uplink).Append('"');
                    text.Append(" drop\n");
                }
            }
            text.Append("\t}\n");
        }
        NftablesPaymentRules.Append(text, spec.Payment, spec.Uplink);
        AppendForward(text, spec.Forward, spec.Uplink);
        AppendSocksGateway(text, spec.Socks);
        AppendSocksRedirect(text, spec.Socks);
        text.Append("}\n");
        return text.ToString();
    }

    // --- forward tunnel (Tunnels/Forward) ---

    /// <summary>
    /// Sets of the live sessions' mesh addresses, each element timing out with its lease; from the mesh interfaces
    /// only those reach the uplink (a base chain of its own: its drop is final whatever other chains accept), and
    /// they are masqueraded there.
    /// </summary>
    private static void AppendForward(StringBuilder text, ForwardFirewall forward, string? uplink)
    {
        if (forward.IsEmpty)
            return;
        if (uplink is null)
            throw new ArgumentException("The forward rules need the uplink interface", nameof(uplink));
        foreach (var name in forward.MeshInterfaces)
            CheckInterfaceName(name);
        AppendTimedSet(text, "forward_sources4", "ipv4_addr", forward.Sources.Where(s => s.Address.AddressFamily == AddressFamily.InterNetwork));
        AppendTimedSet(text, "forward_sources6", "ipv6_addr", forward.Sources.Where(s => s.Address.AddressFamily == AddressFamily.InterNetworkV6));
        var from = forward.MeshInterfaces.IsEmpty
            ? ""
            : "iifname { " + string.Join(", ", forward.MeshInterfaces.Distinct().Select(n => $"\"{n}\"")) + " } ";
        if (!forward.MeshInterfaces.IsEmpty)
        {
            text.Append("\tchain forward_sources {\n");
            text.Append("\t\ttype filter hook forward priority filter; policy accept;\n");
            text.Append("\t\t").Append(from).Append("oifname \"").Append(uplink).Append("\" ip saddr != @forward_sources4 drop\n");
            text.Append("\t\t").Append(from).Append("oifname \"").Append(uplink).Append("\" ip6 saddr != @forward_sources6 drop\n");
            text.Append("\t}\n");
        }
        text.Append("\tchain forward_masquerade {\n");
        text.Append("\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
        text.Append("\t\t").Append(from).Append("oifname \"").Append(uplink).Append("\" ip saddr @forward_sources4 masquerade\n");
        text.Append("\t\t").Append(from).Append("oifname \"").Append(uplink).Append("\" ip6 saddr @forward_sources6 masquerade\n");
        text.Append("\t}\n");
    }

    /// <summary>A set whose elements time out; an address listed twice keeps its longest time, one with none left is left out.</summary>
    private static void AppendTimedSet(StringBuilder text, string name, string type, IEnumerable<ForwardSource> sources)
    {
        var elements = sources
            .Where(s => s.TimeLeft > TimeSpan.Zero)
            .GroupBy(s => s.Address)
            .Select(g => $"{g.Key} timeout {Math.Max(1, (long)Math.Ceiling(g.Max(s => s.TimeLeft).TotalMilliseconds))}ms")
            .ToList();
        text.Append("\tset ").Append(name).Append(" {\n");
        text.Append("\t\ttype ").Append(type).Append("; flags timeout;\n");
        if (elements.Count > 0)
            text.Append("\t\telements = { ").AppendJoin(", ", elements).Append(" }\n");
        text.Append("\t}\n");
    }

    // --- socks tunnel (Tunnels/Socks) ---

    /// <summary>The gateway's SOCKS port refuses (TCP reset, also mid-connection) every source but the live sessions' and the host's own.</summary>
    private static void AppendSocksGateway(StringBuilder text, SocksFirewall socks)
    {
        if (socks.GatewayPort is not { } port)
            return;
        CheckPort(port);
        var clients = socks.Clients.Where(c => c.AddressFamily == AddressFamily.InterNetwork).Distinct().ToList();
        text.Append("\tset socks_clients4 {\n");
        text.Append("\t\ttype ipv4_addr;\n");
        if (clients.Count > 0)
            text.Append("\t\telements = { ").AppendJoin(", ", clients).Append(" }\n");
        text.Append("\t}\n");
        text.Append("\tchain socks_gateway {\n");
        text.Append("\t\ttype filter hook input priority filter; policy accept;\n");
        text.Append("\t\tiifname != \"lo\" tcp dport ").Append(port).Append(" ip saddr != @socks_clients4 reject with tcp reset\n");
        text.Append("\t}\n");
    }

    /// <summary>
    /// On the subscriber, what Mnigs' loopback default route would carry to the Internet (the output interface is lo,
    /// the destination is not local): TCP and DNS over UDP go to redsocks (its dnstc answers "truncated", so resolvers
    /// ask again over TCP), everything else is refused at once rather than looping on lo.
    /// </summary>
    private static void AppendSocksRedirect(StringBuilder text, SocksFirewall socks)
    {
        if (socks.RedirectPort is not { } port)
            return;
        CheckPort(port);
        const string Internet = "oifname \"lo\" fib daddr type != local meta nfproto ipv4";
        text.Append("\tchain socks_redirect {\n");
        // dstnat's number: nft 1.0 accepts the name only in prerouting.
        text.Append("\t\ttype nat hook output priority -100; policy accept;\n");
        text.Append("\t\t").Append(Internet).Append(" meta l4proto tcp redirect to :").Append(port).Append('\n');
        text.Append("\t\t").Append(Internet).Append(" udp dport 53 redirect to :").Append(port).Append('\n');
        text.Append("\t}\n");
        text.Append("\tchain socks_only {\n");
        text.Append("\t\ttype filter hook output priority filter; policy accept;\n");
        text.Append("\t\t").Append(Internet).Append(" reject\n");
        text.Append("\t}\n");
    }

    private static void CheckPort(int port)
    {
        if (port is < 1 or > 65535)
            throw new ArgumentException($"Not a port: {port}", nameof(port));
    }

    /// <summary>
    /// The <c>nft -f -</c> script that makes the table match <paramref name="spec"/> atomically: declaring
    /// the table first makes the delete succeed when it does not exist yet.
    /// </summary>
    public static string ReplaceScript(FirewallSpec spec)
    {
        var script = $"table {Table}\ndelete table {Table}\n";
        return spec.IsEmpty ? script : script + Render(spec);
    }

    // Names end up inside nft source text: anything but a plain Linux interface name is refused.
    private static void CheckInterfaceName(string name)
    {
        if (name.Length is 0 or > 15 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new ArgumentException($"Not a valid interface name for the firewall: '{name}'", nameof(name));
    }
}
