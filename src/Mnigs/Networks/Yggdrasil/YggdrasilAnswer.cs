using System.Net;
using System.Text.Json;

namespace Mnigs.Networks.Yggdrasil;

/// <summary>
/// Reads yggdrasil's admin answers (yggdrasil-go src/admin/*.go; 0.4.7 recorded, 0.5 from its source). Every answer
/// is one object <c>{"status":"success","request":…,"response":{…}}</c> or <c>{"status":"error","error":"…"}</c>.
/// An answer of the wrong shape, or a refusal, is a <see cref="YggdrasilAdminException"/> with a plain message;
/// a list entry that cannot be read is skipped and counted. Field names a newer yggdrasil adds are ignored.
/// Pure: text in, records out. <paramref name="where"/> (the socket) only goes into messages.
/// </summary>
public static class YggdrasilAnswer
{
    private const int MaxQuoted = 60;

    /// <summary><c>getSelf</c>: 0.4 {key, address, subnet, coords[], build_*}; 0.5 has routing_entries instead of coords.</summary>
    public static YggdrasilSelf Self(string json, string? where = null) => Read(json, "getSelf", where, response =>
    {
        if (Address(response, "address") is not { } address || !YggdrasilAddress.IsNode(address))
            throw Unreadable("getSelf", where, "no node address (200::/8)");
        IPNetwork? subnet = Text(response, "subnet") is { } s && IPNetwork.TryParse(s, out var parsed) ? parsed : null;
        List<ulong>? coords = null;
        if (response.TryGetProperty("coords", out var c) && c.ValueKind == JsonValueKind.Array)
            coords = [.. c.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Number && e.TryGetUInt64(out _)).Select(e => e.GetUInt64())];
        return new YggdrasilSelf(address, subnet, Text(response, "key") ?? "", Text(response, "build_name"), Text(response, "build_version"),
            coords, Number(response, "routing_entries"));
    });

    /// <summary>
    /// <c>getPeers</c>: {peers: [{address, key, port, remote, ...}]}. 0.4 lists connected peers only; 0.5 adds
    /// up, inbound and cost, and lists peers that are down without an address.
    /// </summary>
    public static YggdrasilList<YggdrasilPeer> Peers(string json, string? where = null) => Read(json, "getPeers", where, response =>
        Entries(response, "peers", "getPeers", where, entry =>
        {
            var up = !entry.TryGetProperty("up", out var u) || u.ValueKind != JsonValueKind.False;
            var address = Address(entry, "address");
            if (up && (address is null || !YggdrasilAddress.IsNode(address)))
                return null;
            bool? inbound = entry.TryGetProperty("inbound", out var i) && i.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? i.ValueKind == JsonValueKind.True
                : null;
            return new YggdrasilPeer(up ? address : null, Text(entry, "key") ?? "", Text(entry, "remote"), up, inbound,
                Number(entry, "port") ?? 0, Number(entry, "cost"));
        }));

    /// <summary>
    /// The node lists: <c>getDHT</c> {dht: [...]}, <c>getPaths</c> {paths: [...]}, <c>getSessions</c> {sessions: [...]}
    /// (0.4 and 0.5) and <c>getTree</c> {tree: [{address, key, parent, sequence}]} (0.5). Every entry has an address
    /// and a key.
    /// </summary>
    public static YggdrasilList<YggdrasilNode> Nodes(string json, string request, string? where = null)
    {
        var list = request switch
        {
            "getDHT" => "dht",
            "getPaths" => "paths",
            "getSessions" => "sessions",
            "getTree" => "tree",
            _ => throw new ArgumentException($"{request} does not answer a list of nodes", nameof(request)),
        };
        return Read(json, request, where, response => Entries(response, list, request, where, entry =>
            Address(entry, "address") is { } address && YggdrasilAddress.IsNode(address)
                ? new YggdrasilNode(address, Text(entry, "key") ?? "", Text(entry, "parent"))
                : null));
    }

    /// <summary>
    /// <c>debug_remoteGetPeers</c> {"key": K}: the keys of K's peers, as K told them over the network,
    /// answered as {"ADDRESS-OF-K": {"keys": [...]}}. Keys that are not 64 hex digits are skipped.
    /// </summary>
    public static YggdrasilList<string> RemotePeers(string json, string? where = null) => Read(json, "debug_remoteGetPeers", where, response =>
    {
        var keys = new List<string>();
        var skipped = 0;
        string? first = null;
        foreach (var node in response.EnumerateObject())
        {
            if (node.Value.ValueKind != JsonValueKind.Object || !node.Value.TryGetProperty("keys", out var list))
                continue;
            if (list.ValueKind == JsonValueKind.Null)
                continue;
            if (list.ValueKind != JsonValueKind.Array)
                throw Unreadable("debug_remoteGetPeers", where, "keys is not a list");
            foreach (var key in list.EnumerateArray())
            {
                if (key.ValueKind == JsonValueKind.String && YggdrasilAddress.IsKey(key.GetString()))
                {
                    keys.Add(key.GetString()!);
                    continue;
                }
                skipped++;
                first ??= Quote(key.GetRawText());
            }
        }
        return new YggdrasilList<string>(keys, skipped, first);
    });

    private static T Read<T>(string json, string request, string? where, Func<JsonElement, T> read)
    {
        var source = where is null ? "yggdrasil" : $"yggdrasil on {where}";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            throw new YggdrasilAdminException($"something other than yggdrasil answers{(where is null ? "" : " on " + where)} (it said \"{Quote(json.Trim())}\")");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "status") is not { } status)
                throw new YggdrasilAdminException($"something other than yggdrasil answers{(where is null ? "" : " on " + where)} (it said \"{Quote(json.Trim())}\")");
            if (status != "success")
            {
                var error = Text(root, "error") ?? status;
                throw new YggdrasilAdminException($"{source} refused {request}: {Quote(error)}")
                {
                    UnknownRequest = error.Contains("unknown action", StringComparison.OrdinalIgnoreCase),
                };
            }
            if (!root.TryGetProperty("response", out var response) || response.ValueKind != JsonValueKind.Object)
                throw Unreadable(request, where, "no response object");
            return read(response);
        }
    }

    private static YggdrasilList<T> Entries<T>(JsonElement response, string name, string request, string? where, Func<JsonElement, T?> read)
        where T : class
    {
        if (!response.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
            return new YggdrasilList<T>([], 0, null);
        if (array.ValueKind != JsonValueKind.Array)
            throw Unreadable(request, where, $"{name} is not a list");
        var items = new List<T>();
        var skipped = 0;
        string? first = null;
        foreach (var entry in array.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.Object && read(entry) is { } item)
            {
                items.Add(item);
                continue;
            }
            skipped++;
            first ??= Quote(entry.GetRawText());
        }
        return new YggdrasilList<T>(items, skipped, first);
    }

    private static YggdrasilAdminException Unreadable(string request, string? where, string problem) =>
        new($"yggdrasil{(where is null ? "" : " on " + where)} sent a {request} answer Mnigs cannot read: {problem}");

    private static string? Text(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static ulong? Number(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetUInt64(out var n) ? n : null;

    /// <summary>An IPv6 address without a zone, as yggdrasil writes them; anything else is no address.</summary>
    private static IPAddress? Address(JsonElement o, string name) =>
        Text(o, name) is { } s && !s.Contains('%') && IPAddress.TryParse(s, out var a)
            && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? a
            : null;

    private static string Quote(string s)
    {
        var printable = new string([.. s.Take(MaxQuoted).Select(c => char.IsControl(c) ? ' ' : c)]);
        return s.Length > MaxQuoted ? printable + "..." : printable;
    }
}
