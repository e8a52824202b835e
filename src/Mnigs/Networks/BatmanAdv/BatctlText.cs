using System.Globalization;
using System.Text.RegularExpressions;

namespace Mnigs.Networks.BatmanAdv;

/// <summary>
/// Reads batctl's debug tables as batctl 2019.3 to 2026.x prints them with <c>-n</c> (MAC addresses, no
/// bat-hosts names) and <c>-H</c> (no header). Formats from batctl's printf calls: originators.c
/// (originators_callback), neighbors.c (neighbors_callback), gateways.c (gateways_callback), transglobal.c
/// (transglobal_callback) and interface.c (print_interfaces_rtnl_parse), tag v2023.0, the version Debian 12 ships.
/// Header lines (netlink.c info_callback, and each table's column titles) are passed over should they appear.
/// Nothing here throws: a line that fits no format is counted as skipped.
/// </summary>
public static partial class BatctlText
{
    /// <summary>Longer lines are not batctl's (its longest row is under 120 characters).</summary>
    public const int MaxLineLength = 512;

    /// <summary>Lines of <c>batctl meshif bat0 originators -n -H</c>, BATMAN_IV (TQ) or BATMAN_V (throughput).</summary>
    public static BatctlTable<BatmanAdvOriginator> Originators(string text) => Rows(text, line =>
    {
        var m = OriginatorLine().Match(line);
        if (!m.Success || !Mac(m, "orig", out var orig) || !Mac(m, "hop", out var hop) || !LastSeen(m, out var seen)
            || !Quality(m, out var tq, out var throughput))
            return null;
        return new BatmanAdvOriginator(orig, seen, tq, throughput, hop, m.Groups["if"].Value, m.Groups["best"].Success);
    });

    /// <summary>Lines of <c>batctl meshif bat0 neighbors -n -H</c>, BATMAN_IV or BATMAN_V.</summary>
    public static BatctlTable<BatmanAdvNeighbour> Neighbours(string text) => Rows(text, line =>
    {
        var m = NeighbourLineIv().Match(line);
        if (!m.Success)
            m = NeighbourLineV().Match(line);
        if (!m.Success || !Mac(m, "mac", out var mac) || !LastSeen(m, out var seen) || !Quality(m, out _, out var throughput))
            return null;
        return new BatmanAdvNeighbour(mac, m.Groups["if"].Value, seen, throughput);
    });

    /// <summary>Lines of <c>batctl meshif bat0 gateways -n -H</c>.</summary>
    public static BatctlTable<BatmanAdvGateway> Gateways(string text) => Rows(text, line =>
    {
        var m = GatewayLine().Match(line);
        if (!m.Success || !Mac(m, "gw", out var gw) || !Mac(m, "hop", out var hop) || !Quality(m, out var tq, out var throughput)
            || !Tenths(m, "dn", "dd", out var down) || !Tenths(m, "un", "ud", out var up))
            return null;
        return new BatmanAdvGateway(gw, tq, throughput, hop, m.Groups["if"].Value, down, up, m.Groups["best"].Success);
    });

    /// <summary>Lines of <c>batctl meshif bat0 transglobal -n -H -u</c>.</summary>
    public static BatctlTable<BatmanAdvTranslation> Translations(string text) => Rows(text, line =>
    {
        var m = TranslationLine().Match(line);
        if (!m.Success || !Mac(m, "client", out var client) || !Mac(m, "orig", out var orig)
            || !int.TryParse(m.Groups["vid"].ValueSpan, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var vid))
            return null;
        return new BatmanAdvTranslation(client, vid, orig, m.Groups["best"].Success);
    });

    /// <summary>Lines of <c>batctl meshif bat0 interface</c>: <c>eth1: active</c>.</summary>
    public static BatctlTable<BatmanAdvHardInterface> Interfaces(string text) => Rows(text, line =>
    {
        var m = InterfaceLine().Match(line);
        return m.Success ? new BatmanAdvHardInterface(m.Groups["if"].Value, m.Groups["status"].Value == "active") : null;
    });

    private static BatctlTable<T> Rows<T>(string text, Func<string, T?> read)
        where T : class
    {
        var rows = new List<T>();
        var skipped = 0;
        string? firstSkipped = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line) || IsHeader(line))
                continue;
            var row = line.Length <= MaxLineLength ? read(line) : null;
            if (row is not null)
            {
                rows.Add(row);
                continue;
            }
            skipped++;
            firstSkipped ??= line.Length <= 120 ? line : line[..120] + "...";
        }
        return new BatctlTable<T>(rows, skipped, firstSkipped);
    }

    /// <summary>
    /// The lines batctl prints above a table without <c>-H</c>: <c>[B.A.T.M.A.N. adv 2023.0, MainIF/MAC: ...]</c>,
    /// <c>BATMAN mesh bat0 disabled</c>, and the column titles.
    /// </summary>
    private static bool IsHeader(string line)
    {
        var trimmed = line.TrimStart();
        return trimmed.StartsWith("[B.A.T.M.A.N. adv ", StringComparison.Ordinal)
            || trimmed.StartsWith("BATMAN mesh ", StringComparison.Ordinal) && trimmed.EndsWith(" disabled", StringComparison.Ordinal)
            || trimmed.StartsWith("Originator ", StringComparison.Ordinal)
            || trimmed.StartsWith("IF ", StringComparison.Ordinal) && trimmed.Contains("Neighbor", StringComparison.Ordinal)
            || trimmed.StartsWith("Router ", StringComparison.Ordinal)
            || trimmed.StartsWith("Client ", StringComparison.Ordinal);
    }

    private static bool Mac(Match m, string group, out MacAddress mac) => MacAddress.TryParse(m.Groups[group].ValueSpan, out mac);

    /// <summary><c>%4i.%03is</c>: seconds and milliseconds since batman-adv last heard of it.</summary>
    private static bool LastSeen(Match m, out TimeSpan seen)
    {
        seen = default;
        if (!int.TryParse(m.Groups["s"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || !int.TryParse(m.Groups["ms"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds))
            return false;
        seen = TimeSpan.FromSeconds(seconds) + TimeSpan.FromMilliseconds(milliseconds);
        return true;
    }

    /// <summary><c>(%3i)</c> TQ (BATMAN_IV) or <c>(%9u.%1u)</c> Mbit/s (BATMAN_V); either may be absent.</summary>
    private static bool Quality(Match m, out int? tq, out double? throughput)
    {
        tq = null;
        throughput = null;
        if (m.Groups["tq"].Success)
        {
            if (!int.TryParse(m.Groups["tq"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > 255)
                return false;
            tq = value;
        }
        if (m.Groups["mb"].Success)
        {
            if (!Tenths(m, "mb", "kb", out var value))
                return false;
            throughput = value;
        }
        return true;
    }

    /// <summary><c>%u.%u</c> with one decimal digit, as batctl prints Mbit/s.</summary>
    private static bool Tenths(Match m, string whole, string tenth, out double value)
    {
        value = 0;
        if (!uint.TryParse(m.Groups[whole].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var units)
            || !uint.TryParse(m.Groups[tenth].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var tenths))
            return false;
        value = units + tenths / 10.0;
        return true;
    }

    private const string MacPattern = "[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}";

    /// <summary>An interface name as batctl prints it in <c>[%10s]</c> (empty when it could not name it).</summary>
    private const string IfPattern = @"\[\s*(?<if>[^\s\]]{0,15})\]";

    private const string QualityPattern = @"\(\s*(?:(?<tq>\d{1,3})|(?<mb>\d{1,10})\.(?<kb>\d))\)";

    private const string SeenPattern = @"(?<s>\d{1,10})\.(?<ms>\d{3})s";

    // " %c %02x:..:%02x %4i.%03is   (%3i) %02x:..:%02x [%10s]" (BATMAN_IV) or "... (%9u.%1u) ..." (BATMAN_V)
    [GeneratedRegex(@"^\s*(?<best>\*)?\s*(?<orig>" + MacPattern + @")\s+" + SeenPattern + @"\s+" + QualityPattern
        + @"\s+(?<hop>" + MacPattern + @")\s+" + IfPattern + @"\s*$", RegexOptions.ExplicitCapture | RegexOptions.CultureInvariant)]
    private static partial Regex OriginatorLine();

    // "   %10s\t  %02x:..:%02x %4i.%03is" (BATMAN_IV)
    [GeneratedRegex(@"^\s*(?<if>[^\s\]]{1,15})\s+(?<mac>" + MacPattern + @")\s+" + SeenPattern + @"\s*$",
        RegexOptions.ExplicitCapture | RegexOptions.CultureInvariant)]
    private static partial Regex NeighbourLineIv();

    // "%02x:..:%02x %4i.%03is (%9u.%1u) [%10s]" (BATMAN_V)
    [GeneratedRegex(@"^\s*(?<mac>" + MacPattern + @")\s+" + SeenPattern + @"\s+" + QualityPattern + @"\s+" + IfPattern + @"\s*$",
        RegexOptions.ExplicitCapture | RegexOptions.CultureInvariant)]
    private static partial Regex NeighbourLineV();

    // "%c %02x:..:%02x (%3i) %02x:..:%02x [%10s]: %u.%u/%u.%u MBit" (the quality may be missing)
    [GeneratedRegex(@"^\s*(?<best>\*)?\s*(?<gw>" + MacPattern + @")\s+(?:" + QualityPattern + @"\s+)?(?<hop>" + MacPattern + @")\s+"
        + IfPattern + @":\s+(?<dn>\d{1,10})\.(?<dd>\d)/(?<un>\d{1,10})\.(?<ud>\d)\s+MBit\s*$",
        RegexOptions.ExplicitCapture | RegexOptions.CultureInvariant)]
    private static partial Regex GatewayLine();

    // " %c %02x:..:%02x %4i [%c%c%c%c] (%3u) %02x:..:%02x (%3u) (0x%.8x)"
    [GeneratedRegex(@"^\s*(?<best>\*)?\s*(?<client>" + MacPattern + @")\s+(?<vid>-?\d{1,4})\s+\[[.RWIT]{4}\]\s+\(\s*\d{1,3}\)\s+(?<orig>"
        + MacPattern + @")\s+\(\s*\d{1,3}\)\s+\(0x[0-9a-fA-F]{8}\)\s*$", RegexOptions.ExplicitCapture | RegexOptions.CultureInvariant)]
    private static partial Regex TranslationLine();

    // "%s: %s" with the status "active\n", "inactive\n" or "<error reading status>\n"
    [GeneratedRegex(@"^(?<if>[^\s:/]{1,15}): (?<status>active|inactive|<error reading status>)\s*$",
        RegexOptions.ExplicitCapture | RegexOptions.CultureInvariant)]
    private static partial Regex InterfaceLine();
}
