using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mnigs.Core.Host;

/// <summary>
/// Renders <see cref="PaymentFirewall"/> inside the table <c>inet mnigs</c> (nft 0.9.6+ syntax, see
/// nft(8): sets with per-element timeouts, named quota objects with <c>used</c>). Its chains hook in
/// before the gateway's own forward chain (priority filter - 10), so a pending or used-up source is
/// dropped whatever later chains would accept; they accept nothing else themselves.
/// </summary>
/// <remarks>
/// <code>
/// set pay_all4  { type ipv4_addr; elements = { every pending and paid source } }
/// set pay_paid4 { type ipv4_addr; flags timeout; elements = { 10.201.0.2 timeout 3600s } }
/// quota pay_v7  { over 1000000 bytes used 5000 bytes }
/// chain pay_forward: from or to a source in pay_all4 but not in pay_paid4: drop;
///                    a paid source's packets to or from the uplink count against its quota, and drop once over it
/// chain pay_input:   a pending source reaches the page's TCP port and may ping; the rest drops
/// </code>
/// A paid source's element times out when its voucher's time runs out, so the kernel ends it at once
/// even before the daemon notices.
/// </remarks>
public static class NftablesPaymentRules
{
    public const string ForwardChain = "pay_forward";
    public const string InputChain = "pay_input";

    /// <summary>Appends the sets, quotas and chains of <paramref name="gate"/> (nothing when it is empty) to the table's body.</summary>
    public static void Append(StringBuilder text, PaymentFirewall gate, string? uplink)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(gate);
        if (gate.IsEmpty)
            return;
        if (gate.PagePort is < 1 or > 65535)
            throw new ArgumentException($"The payment page port {gate.PagePort} is not a TCP port", nameof(gate));
        foreach (var paid in gate.Paid)
            CheckQuota(paid);

        var families = new[] { Family.V4, Family.V6 }
            .Where(f => gate.Pending.Any(f.Has) || gate.Paid.Any(p => p.Addresses.Any(f.Has)))
            .ToList();
        foreach (var f in families)
        {
            var all = gate.Pending.Concat(gate.Paid.SelectMany(p => p.Addresses)).Where(f.Has).Distinct().ToList();
            text.Append("\tset pay_all").Append(f.Suffix).Append(" {\n\t\ttype ").Append(f.Type).Append("\n\t\telements = { ")
                .AppendJoin(", ", all).Append(" }\n\t}\n");
            text.Append("\tset pay_paid").Append(f.Suffix).Append(" {\n\t\ttype ").Append(f.Type).Append("\n\t\tflags timeout\n");
            var paid = gate.Paid.SelectMany(p => p.Addresses.Where(f.Has).Select(a => (Address: a, p.TimeLeft))).DistinctBy(e => e.Address).ToList();
            if (paid.Count > 0)
                text.Append("\t\telements = { ").AppendJoin(", ", paid.Select(e => e.TimeLeft is { } left ? $"{e.Address} timeout {Seconds(left)}s" : e.Address.ToString())).Append(" }\n");
            text.Append("\t}\n");
        }
        foreach (var paid in gate.Paid.Where(p => p.LimitBytes is not null).DistinctBy(p => p.Quota))
            text.Append("\tquota ").Append(paid.Quota).Append(" {\n\t\tover ").Append(Number(paid.LimitBytes!.Value))
                .Append(" bytes used ").Append(Number(Math.Max(0, paid.UsedBytes))).Append(" bytes\n\t}\n");

        text.Append("\tchain ").Append(ForwardChain).Append(" {\n\t\ttype filter hook forward priority filter - 10; policy accept;\n");
        foreach (var f in families)
        {
            text.Append("\t\t").Append(f.Match).Append(" saddr @pay_all").Append(f.Suffix).Append(' ').Append(f.Match).Append(" saddr != @pay_paid").Append(f.Suffix).Append(" drop\n");
            text.Append("\t\t").Append(f.Match).Append(" daddr @pay_all").Append(f.Suffix).Append(' ').Append(f.Match).Append(" daddr != @pay_paid").Append(f.Suffix).Append(" drop\n");
        }
        var outbound = uplink is null ? "" : $" oifname \"{uplink}\"";
        var inbound = uplink is null ? "" : $" iifname \"{uplink}\"";
        foreach (var paid in gate.Paid.Where(p => p.LimitBytes is not null))
        {
            foreach (var address in paid.Addresses.Distinct())
            {
                var f = Family.Of(address);
                text.Append("\t\t").Append(f.Match).Append(" saddr ").Append(address).Append(outbound).Append(" quota name \"").Append(paid.Quota).Append("\" drop\n");
                text.Append("\t\t").Append(f.Match).Append(" daddr ").Append(address).Append(inbound).Append(" quota name \"").Append(paid.Quota).Append("\" drop\n");
            }
        }
        text.Append("\t}\n");

        text.Append("\tchain ").Append(InputChain).Append(" {\n\t\ttype filter hook input priority filter - 10; policy accept;\n");
        foreach (var f in families)
        {
            var pending = $"{f.Match} saddr @pay_all{f.Suffix} {f.Match} saddr != @pay_paid{f.Suffix}";
            text.Append("\t\t").Append(pending).Append(" tcp dport ").Append(gate.PagePort.ToString(CultureInfo.InvariantCulture)).Append(" accept\n");
            text.Append("\t\t").Append(pending).Append(' ').Append(f.Echo).Append(" accept\n");
            text.Append("\t\t").Append(pending).Append(" drop\n");
        }
        text.Append("\t}\n");
    }

    /// <summary>
    /// The bytes each quota object of the table <c>inet mnigs</c> has counted, by name, from the output of
    /// <c>nft -j list quotas</c> (libnftables JSON, see libnftables-json(5): <c>{"quota": {"family", "table",
    /// "name", "bytes", "used", ...}}</c>). Other tables' quotas are left out.
    /// </summary>
    public static IReadOnlyDictionary<string, long> ParseQuotas(string json)
    {
        var used = new Dictionary<string, long>(StringComparer.Ordinal);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("nftables", out var items) || items.ValueKind != System.Text.Json.JsonValueKind.Array)
            throw new FormatException("nft -j printed no nftables array");
        foreach (var item in items.EnumerateArray())
        {
            if (!item.TryGetProperty("quota", out var quota))
                continue;
            if (quota.TryGetProperty("family", out var family) && family.GetString() == "inet"
                && quota.TryGetProperty("table", out var table) && table.GetString() == NftablesRuleset.Table[5..]
                && quota.TryGetProperty("name", out var name) && name.GetString() is { } n
                && quota.TryGetProperty("used", out var count) && count.TryGetInt64(out var bytes))
                used[n] = bytes;
        }
        return used;
    }

    /// <summary>
    /// <paramref name="gate"/> with each quota starting from what the kernel has counted when that is more than the
    /// spec says: the daemon's reading lags the kernel by up to its reading period, and replacing the table must
    /// not give those bytes back.
    /// </summary>
    public static PaymentFirewall CarryOver(PaymentFirewall gate, IReadOnlyDictionary<string, long> counted)
    {
        ArgumentNullException.ThrowIfNull(gate);
        if (gate.Paid.IsEmpty || counted.Count == 0)
            return gate;
        return gate with
        {
            Paid = [.. gate.Paid.Select(p => counted.TryGetValue(p.Quota, out var used) && used > p.UsedBytes ? p with { UsedBytes = used } : p)],
        };
    }

    // Quota names end up inside nft source text: only the shape Mnigs makes is accepted.
    private static void CheckQuota(PaidSource paid)
    {
        if (paid.Quota.Length is < 5 or > 32 || !paid.Quota.StartsWith("pay_", StringComparison.Ordinal)
            || !paid.Quota.Skip(4).All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
            throw new ArgumentException($"Not a valid quota name for the firewall: '{paid.Quota}'", nameof(paid));
        if (paid.Addresses.IsEmpty)
            throw new ArgumentException($"Paid source {paid.Quota} has no address", nameof(paid));
        if (paid.LimitBytes is < 0)
            throw new ArgumentException($"Paid source {paid.Quota} has a negative data limit", nameof(paid));
        if (paid.TimeLeft is { } left && left <= TimeSpan.Zero)
            throw new ArgumentException($"Paid source {paid.Quota} has no time left, so it is not paid", nameof(paid));
    }

    private static string Seconds(TimeSpan left) => Number((long)Math.Ceiling(left.TotalSeconds));

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);

    private sealed record Family(AddressFamily AddressFamily, string Suffix, string Type, string Match, string Echo)
    {
        public static readonly Family V4 = new(AddressFamily.InterNetwork, "4", "ipv4_addr", "ip", "icmp type echo-request");
        // Neighbour discovery too, for tunnels that carry it; nothing else of ICMPv6 reaches the gateway from a pending source.
        public static readonly Family V6 = new(AddressFamily.InterNetworkV6, "6", "ipv6_addr", "ip6",
            "icmpv6 type { echo-request, nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit }");

        public static Family Of(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork ? V4 : V6;

        public bool Has(IPAddress address) => address.AddressFamily == AddressFamily;
    }
}
