using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using static Mnigs.Networks.Olsr.OlsrJson;

namespace Mnigs.Networks.Olsr;

/// <summary>
/// Reads the answers of olsrd's jsoninfo plugin (lib/jsoninfo and lib/info in olsrd's source). Three generations
/// print the same sections differently, and all are read:
/// <list type="bullet">
/// <item>0.9.5 and later: <c>{"pid": …, "links": [...]}</c>; costs as ETX with decimals; /gateways an object
/// with ipv4 and ipv6 lists; /interfaces with an olsrInterface object; /version.</item>
/// <item>0.6.4 to 0.9.0: <c>{"links": [...], "systemTime": …}</c>, by default without HTTP headers; costs in
/// olsrd's whole unit; neighbours under ipv4Address even in IPv6 meshes; /gateways a list; the version in /config.</item>
/// <item>0.6.3 and earlier: the same sections inside <c>{"data": [{"links": [...]}]}</c>.</item>
/// </list>
/// Any answer holding a section can be read for it, so the sections of <c>/all</c> read as the single ones do.
/// An answer that is not JSON, or a section of the wrong shape, is an <see cref="OlsrJsonInfoException"/> with a
/// plain message; an entry that cannot be read is skipped and counted; fields a version adds or leaves out are
/// ignored. Pure: text in, records out. <c>where</c> (the URL) only goes into messages.
/// </summary>
public static class OlsrAnswer
{
    private const int MaxQuoted = 60;

    private static readonly JsonDocumentOptions Tolerant = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 64,
    };

    public static OlsrList<OlsrLink> Links(string json, string? where = null) => Read(json, "links", where, root =>
        Entries(root, "links", where, e =>
            Address(e, "localIP") is { } local && Address(e, "remoteIP") is { } remote
                ? new OlsrLink(local, remote, Named(e, "olsrInterface", "ifName"), Cost(e, "linkCost"),
                    Number(e, "linkQuality"), Number(e, "neighborLinkQuality"), Named(e, "currentLinkStatus") is { Length: > 0 } s ? s : null)
                : null));

    public static OlsrList<OlsrNeighbour> Neighbours(string json, string? where = null) => Read(json, "neighbors", where, root =>
        Entries(root, "neighbors", where, e =>
            Address(e, "ipAddress", "ipv4Address", "ipv6Address") is { } address
                ? new OlsrNeighbour(address, Flag(e, "symmetric") ?? true, Whole(e, "willingness"))
                : null));

    public static OlsrList<OlsrTopologyEdge> Topology(string json, string? where = null) => Read(json, "topology", where, root =>
        Entries(root, "topology", where, e =>
            Address(e, "lastHopIP") is { } lastHop && Address(e, "destinationIP") is { } destination
                ? new OlsrTopologyEdge(lastHop, destination, Cost(e, "tcEdgeCost"))
                : null));

    public static OlsrList<OlsrRoute> Routes(string json, string? where = null) => Read(json, "routes", where, root =>
        Entries(root, "routes", where, e =>
            Prefix(e, "destination", "genmask") is { } destination
                ? new OlsrRoute(destination, Address(e, "gateway"), Whole(e, "metric", "hops"), Cost(e, "rtpMetricCost", "etx"), Named(e, "networkInterface"))
                : null));

    public static OlsrList<OlsrHna> Hna(string json, string? where = null) => Read(json, "hna", where, root =>
        Entries(root, "hna", where, e =>
            Prefix(e, "destination", "genmask") is { } prefix && Address(e, "gateway") is { } gateway
                ? new OlsrHna(prefix, gateway)
                : null));

    /// <summary>
    /// The smart gateways. 0.9.5 and later: <c>{"gateways": {"ipv4": [...], "ipv6": [...]}}</c> by originator;
    /// earlier: <c>{"gateways": [...]}</c> by ipAddress with ipv4/ipv6 flags. A gateway listed for both families
    /// is one entry. olsrd on another OS answers an error instead: no gateways.
    /// </summary>
    public static OlsrList<OlsrGateway> Gateways(string json, string? where = null) => Read(json, "gateways", where, root =>
    {
        var section = Section(root, "gateways");
        if (section is not { ValueKind: JsonValueKind.Object } byFamily)
            return Entries(section, "gateways", "gateways", where, e => Address(e, "ipAddress", "originator") is { } address
                ? new OlsrGateway(address, Flag(e, "ipv4", "IPv4") ?? false, Flag(e, "ipv6", "IPv6") ?? false,
                    Cost(e, "tcPathCost", "pathcost"), Whole(e, "hopCount", "hops"),
                    Text(e, "ipv4Status") == "s" || Text(e, "ipv6Status") == "s" || (Flag(e, "selected") ?? false))
                : null);

        var v4 = Entries(Field(byFamily, "ipv4"), "gateways.ipv4", "gateways", where, e => Smart(e, ipv4: true));
        var v6 = Entries(Field(byFamily, "ipv6"), "gateways.ipv6", "gateways", where, e => Smart(e, ipv4: false));
        var merged = new List<OlsrGateway>();
        foreach (var g in v4.Items.Concat(v6.Items))
        {
            var i = merged.FindIndex(m => m.Originator.Equals(g.Originator));
            if (i < 0)
                merged.Add(g);
            else
                merged[i] = merged[i] with { Ipv4 = merged[i].Ipv4 || g.Ipv4, Ipv6 = merged[i].Ipv6 || g.Ipv6, Selected = merged[i].Selected || g.Selected };
        }
        return new OlsrList<OlsrGateway>(merged, v4.Skipped + v6.Skipped, v4.FirstSkipped ?? v6.FirstSkipped);
    });

    /// <summary>
    /// The interfaces olsrd runs on. 0.9.5 and later: <c>{"name", "olsrInterface": {"up", "ipAddress",
    /// "ipv4Address", "ipv6Address"}}</c>; earlier: <c>{"name", "state": "up", "ipv4Address" or "ipv6Address"}</c>.
    /// Unspecified addresses (0.0.0.0, ::) are left out.
    /// </summary>
    public static OlsrList<OlsrInterface> Interfaces(string json, string? where = null) => Read(json, "interfaces", where, root =>
        Entries(root, "interfaces", where, e =>
        {
            var name = Named(e, "name");
            var inner = Field(e, "olsrInterface") is { ValueKind: JsonValueKind.Object } o ? o : e;
            var up = Flag(inner, "up") ?? (Text(e, "state") is { } state ? state.Equals("up", StringComparison.OrdinalIgnoreCase) : true);
            // 0.9's ipAddress is the interface's OLSR address; ipv4Address and ipv6Address are whatever the
            // interface has of each family, so they count only where there is no ipAddress (0.6).
            IPAddress?[] candidates = Specified(Address(inner, "ipAddress")) is { } olsr
                ? [olsr]
                : [Specified(Address(inner, "ipv4Address")), Specified(Address(inner, "ipv6Address"))];
            var addresses = candidates.OfType<IPAddress>().Distinct().ToList();
            return name.Length > 0 || addresses.Count > 0 ? new OlsrInterface(name, up, addresses) : null;
        }));

    /// <summary>
    /// Main address, address family and version, from whichever of <c>config</c> and <c>version</c> the answer
    /// holds (/config, /version, or /all). The family is ipVersion: 4 or 6, or AF_INET/AF_INET6 (2, 10) in 0.6.
    /// </summary>
    public static OlsrConfig Config(string json, string? where = null) => Read(json, "config", where, root =>
    {
        var config = Section(root, "config") is { ValueKind: JsonValueKind.Object } c ? c : default;
        var main = config.ValueKind == JsonValueKind.Object ? Specified(Address(config, "mainIp", "mainIpAddress")) : null;
        AddressFamily? family = config.ValueKind == JsonValueKind.Object ? Whole(config, "ipVersion") switch
        {
            4 or 2 => AddressFamily.InterNetwork,
            6 or 10 => AddressFamily.InterNetworkV6,
            _ => main?.AddressFamily,
        } : main?.AddressFamily;
        var version = Section(root, "version") switch
        {
            { ValueKind: JsonValueKind.Object } v => Text(v, "releaseVersion") is { Length: > 0 } release ? release : Text(v, "version"),
            { ValueKind: JsonValueKind.String } v => TextOf(v),
            _ => null,
        };
        if (version is null && config.ValueKind == JsonValueKind.Object)
            version = Text(config, "olsrdVersion");
        return new OlsrConfig(main, family, CleanVersion(version));
    }, sectionRequired: false);

    /// <summary>"olsr.org - 0.6.8.1-git_0000000-hash_8a4d…" is 0.6.8.1; a release version stays as it is.</summary>
    private static string? CleanVersion(string? version)
    {
        if (string.IsNullOrWhiteSpace(version))
            return null;
        var v = version.Trim();
        if (v.StartsWith("olsr.org - ", StringComparison.OrdinalIgnoreCase))
            v = v["olsr.org - ".Length..];
        var git = v.IndexOf("-git_", StringComparison.Ordinal);
        if (git > 0)
            v = v[..git];
        return Quote(v.Trim());
    }

    /// <summary>Null for 0.0.0.0 and ::, which olsrd prints for "none".</summary>
    private static IPAddress? Specified(IPAddress? a) => a is null || a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any) ? null : a;

    private static OlsrGateway? Smart(JsonElement e, bool ipv4) =>
        Address(e, "originator", "ipAddress") is { } originator
            ? new OlsrGateway(originator, ipv4, !ipv4, Cost(e, "pathcost", "tcPathCost"), Whole(e, "hops", "hopCount"), Flag(e, "selected") ?? false)
            : null;

    private static string Named(JsonElement e, params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            if (Text(e, name) is { Length: > 0 and <= 64 } text)
                return Quote(text);
        }
        return "";
    }

    private static T Read<T>(string json, string request, string? where, Func<JsonElement, T> read, bool sectionRequired = true)
    {
        var source = where is null ? "olsrd's jsoninfo plugin" : $"olsrd's jsoninfo plugin at {where}";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Tolerant);
        }
        catch (JsonException)
        {
            throw new OlsrJsonInfoException(json.Trim().Length == 0
                ? $"{source} sent an empty /{request} answer"
                : $"{source} sent a /{request} answer that is not JSON, or was cut short (it began \"{Quote(json.Trim())}\")");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new OlsrJsonInfoException($"{source} sent a /{request} answer that is not a JSON object (it began \"{Quote(json.Trim())}\")");
            if (sectionRequired && Section(root, request) is null && Text(root, "error") is { } error && request != "gateways")
                throw new OlsrJsonInfoException($"{source} refused /{request}: {Quote(error)}");
            return read(root);
        }
    }

    private static OlsrList<T> Entries<T>(JsonElement root, string name, string? where, Func<JsonElement, T?> read)
        where T : class => Entries(Section(root, name), name, name, where, read);

    /// <param name="list">The list, or null when the answer has none (an empty list).</param>
    private static OlsrList<T> Entries<T>(JsonElement? list, string name, string request, string? where, Func<JsonElement, T?> read)
        where T : class
    {
        if (list is null)
            return OlsrList<T>.Empty;
        if (list.Value.ValueKind != JsonValueKind.Array)
        {
            throw new OlsrJsonInfoException(
                $"olsrd's jsoninfo plugin{(where is null ? "" : " at " + where)} sent a /{request} answer Mnigs cannot read: {name} is not a list");
        }
        var items = new List<T>();
        var skipped = 0;
        string? first = null;
        foreach (var entry in list.Value.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.Object && read(entry) is { } item)
            {
                items.Add(item);
                continue;
            }
            skipped++;
            first ??= Quote(entry.GetRawText());
        }
        return new OlsrList<T>(items, skipped, first);
    }

    private static string Quote(string s)
    {
        var printable = new string([.. s.Take(MaxQuoted).Select(c => char.IsControl(c) ? ' ' : c)]);
        return s.Length > MaxQuoted ? printable + "..." : printable;
    }
}
