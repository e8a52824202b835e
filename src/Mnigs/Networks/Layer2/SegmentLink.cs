using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Mnigs.Networks.Layer2;

/// <summary>
/// The segment's interface as <c>ip -j addr show dev IFACE</c> reports it (iproute2 5.x/6.x JSON, fields as
/// printed by ip/ipaddress.c): index, whether it is up and has carrier, and its addresses (tentative or
/// DAD-failed ones left out).
/// </summary>
public sealed record SegmentLink(string Name, int Index, bool Up, bool Carrier, IReadOnlyList<SegmentAddress> Addresses)
{
    /// <summary>Addresses other nodes can reach without a scope id, IPv4 first.</summary>
    public IReadOnlyList<SegmentAddress> Usable => [.. Addresses.Where(a => a.Usable).OrderBy(a => a.IsIPv4 ? 0 : 1)];

    /// <summary>Whether <paramref name="address"/> is another node's usable address on one of this link's subnets.</summary>
    public bool OnSegment(IPAddress address) =>
        !address.IsIPv6LinkLocal && !IsSpecial(address) && Usable.Any(a => a.Contains(address) && !a.IsNetworkOrBroadcast(address)) && !Addresses.Any(a => a.Address.Equals(address));

    /// <summary>Whether a packet from <paramref name="source"/> came from this link: one of its subnets, or IPv6 link-local.</summary>
    public bool IsLinkSource(IPAddress source) =>
        source.IsIPv6LinkLocal || Addresses.Any(a => a.Contains(source));

    /// <summary>The link of <c>ip -j addr show dev IFACE</c>; null when the answer names none. Throws <see cref="JsonException"/> on text that is not JSON.</summary>
    public static SegmentLink? Parse(string json)
    {
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
            return null;
        foreach (var link in document.RootElement.EnumerateArray())
        {
            if (link.ValueKind != JsonValueKind.Object || Str(link, "ifname") is not { } name || Int(link, "ifindex") is not { } index)
                continue;
            var flags = link.TryGetProperty("flags", out var f) && f.ValueKind == JsonValueKind.Array
                ? f.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()).ToHashSet()
                : [];
            var addresses = new List<SegmentAddress>();
            if (link.TryGetProperty("addr_info", out var info) && info.ValueKind == JsonValueKind.Array)
            {
                foreach (var a in info.EnumerateArray().Take(256))
                {
                    if (a.ValueKind != JsonValueKind.Object || Bool(a, "tentative") || Bool(a, "dadfailed"))
                        continue;
                    if (Str(a, "local") is not { } local || !IPAddress.TryParse(local, out var ip) || Int(a, "prefixlen") is not { } length)
                        continue;
                    var max = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
                    if (length < 0 || length > max || ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && ip.ScopeId != 0)
                        continue;
                    addresses.Add(new SegmentAddress(ip, length, Str(a, "scope") == "global"));
                }
            }
            return new SegmentLink(name, index, flags.Contains("UP"), flags.Contains("LOWER_UP") && !flags.Contains("NO-CARRIER"), addresses);
        }
        return null;
    }

    private static bool IsSpecial(IPAddress a) =>
        IPAddress.IsLoopback(a) || a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any) || a.Equals(IPAddress.Broadcast)
        || a.IsIPv6Multicast || a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && a.GetAddressBytes()[0] >= 224;

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : null;

    private static bool Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name} (index {Index}) {string.Join(' ', Addresses)}");
}
