using System.Globalization;
using System.Net;

namespace Mnigs.Networks.Babel;

/// <summary>
/// What babeld's local interface (protocol <c>BABEL 1.0</c>, babeld 1.x, format in babeld's local.c and
/// its man page, "LOCAL CONFIGURATION INTERFACE") says: the greeting and the answer to <c>dump</c>.
/// Lines are <c>add|change KIND NAME key value ...</c>; keys a future babeld adds are ignored, and a
/// line that cannot be read is skipped and counted, never fatal.
/// </summary>
public sealed record BabelDump(
    string? ProtocolVersion,
    string? DaemonVersion,
    string? HostName,
    string? RouterId,
    IReadOnlyList<BabelInterface> Interfaces,
    IReadOnlyList<BabelNeighbour> Neighbours,
    IReadOnlyList<BabelXroute> Xroutes,
    IReadOnlyList<BabelRoute> Routes,
    int SkippedLines,
    string? FirstSkippedLine)
{
    private const int MaxQuotedLine = 200;

    /// <summary>Parses a greeting and/or a dump answer; never throws on content.</summary>
    public static BabelDump Parse(string text)
    {
        string? protocol = null, daemon = null, host = null, routerId = null, firstSkipped = null;
        var interfaces = new List<BabelInterface>();
        var neighbours = new List<BabelNeighbour>();
        var xroutes = new List<BabelXroute>();
        var routes = new List<BabelRoute>();
        var skipped = 0;
        var inGreeting = false;

        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
                continue;
            bool read;
            switch (words[0], words.Length)
            {
                case ("BABEL", 2):
                    protocol = words[1];
                    inGreeting = true;
                    read = true;
                    break;
                case ("version", 2):
                    daemon = words[1];
                    read = true;
                    break;
                case ("host", 2):
                    host = words[1];
                    read = true;
                    break;
                case ("my-id", 2):
                    routerId = words[1];
                    read = true;
                    break;
                case ("ok", 1):
                    inGreeting = false;
                    read = true;
                    break;
                case ("add" or "change", >= 3):
                    read = words[1] switch
                    {
                        "interface" => Add(interfaces, ReadInterface(words)),
                        "neighbour" => Add(neighbours, ReadNeighbour(words)),
                        "xroute" => Add(xroutes, ReadXroute(words)),
                        "route" => Add(routes, ReadRoute(words)),
                        _ => false,
                    };
                    break;
                default:
                    // The greeting may grow informational lines; they are not errors.
                    read = inGreeting;
                    break;
            }
            if (read)
                continue;
            skipped++;
            firstSkipped ??= line.Length <= MaxQuotedLine ? line : line[..MaxQuotedLine] + "...";
        }
        return new BabelDump(protocol, daemon, host, routerId, interfaces, neighbours, xroutes, routes, skipped, firstSkipped);
    }

    private static bool Add<T>(List<T> list, T? item) where T : class
    {
        if (item is null)
            return false;
        list.Add(item);
        return true;
    }

    /// <summary>The <c>key value</c> pairs after <c>add KIND NAME</c>, or null when they do not pair up.</summary>
    private static Dictionary<string, string>? Pairs(string[] words)
    {
        if ((words.Length - 3) % 2 != 0)
            return null;
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 3; i < words.Length; i += 2)
            pairs[words[i]] = words[i + 1];
        return pairs;
    }

    private static BabelInterface? ReadInterface(string[] words)
    {
        if (Pairs(words) is not { } p || !p.TryGetValue("up", out var up) || up is not ("true" or "false"))
            return null;
        IPAddress? v6 = null, v4 = null;
        if (p.TryGetValue("ipv6", out var s6) && !IPAddress.TryParse(s6, out v6))
            return null;
        if (p.TryGetValue("ipv4", out var s4) && !IPAddress.TryParse(s4, out v4))
            return null;
        return new BabelInterface(words[2], up == "true", v6, v4);
    }

    private static BabelNeighbour? ReadNeighbour(string[] words)
    {
        if (Pairs(words) is not { } p
            || !Address(p, "address", out var address)
            || !p.TryGetValue("if", out var iface)
            || !p.TryGetValue("reach", out var reachText)
            || !ushort.TryParse(reachText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var reach)
            || !Number(p, "rxcost", out var rxcost)
            || !Number(p, "txcost", out var txcost)
            || !Number(p, "cost", out var cost))
            return null;
        return new BabelNeighbour(address, iface, reach, rxcost, txcost, cost);
    }

    private static BabelXroute? ReadXroute(string[] words)
    {
        if (Pairs(words) is not { } p
            || !Prefix(p, "prefix", out var prefix)
            || !Prefix(p, "from", out var from)
            || !Number(p, "metric", out var metric))
            return null;
        return new BabelXroute(prefix, from, metric);
    }

    private static BabelRoute? ReadRoute(string[] words)
    {
        if (Pairs(words) is not { } p
            || !Prefix(p, "prefix", out var prefix)
            || !Prefix(p, "from", out var from)
            || !p.TryGetValue("installed", out var installed) || installed is not ("yes" or "no")
            || !p.TryGetValue("id", out var id)
            || !Number(p, "metric", out var metric)
            || !Number(p, "refmetric", out var refmetric)
            || !Address(p, "via", out var via)
            || !p.TryGetValue("if", out var iface))
            return null;
        return new BabelRoute(prefix, from, installed == "yes", id, metric, refmetric, via, iface);
    }

    private static bool Number(Dictionary<string, string> p, string key, out int value)
    {
        value = 0;
        return p.TryGetValue(key, out var s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static bool Address(Dictionary<string, string> p, string key, out IPAddress address)
    {
        address = IPAddress.None;
        return p.TryGetValue(key, out var s) && IPAddress.TryParse(s, out address!);
    }

    private static bool Prefix(Dictionary<string, string> p, string key, out IPNetwork prefix)
    {
        prefix = default;
        return p.TryGetValue(key, out var s) && IPNetwork.TryParse(s, out prefix);
    }
}
