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
        text.Append("}\n");
        return text.ToString();
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
