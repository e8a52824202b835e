using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Mnigs.Networks.BatmanAdv;

/// <summary>
/// The mesh interface (bat0) and the kernel's IP neighbours on it, read from iproute2's JSON
/// (<c>ip -j addr show dev bat0</c>, <c>ip -j neigh show dev bat0</c>; fields as ip/ipaddress.c and
/// ip/ipneigh.c print them in iproute2 5.x/6.x, which leaves out <c>dev</c> when filtering by device).
/// Reading never throws: unreadable JSON gives <see cref="Error"/>.
/// </summary>
internal sealed record MeshLink(string Name, MacAddress? Mac, bool Up, IReadOnlyList<IPAddress> Addresses)
{
    /// <summary>The first link of <c>ip -j addr show dev X</c>, with its global (not link- or host-scoped) addresses.</summary>
    public static (MeshLink? Link, string? Error) FromAddressJson(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                return (null, "not a JSON array");
            foreach (var link in document.RootElement.EnumerateArray())
            {
                if (String(link, "ifname") is not { } name)
                    continue;
                MacAddress? mac = String(link, "address") is { } text && MacAddress.TryParse(text, out var parsed) ? parsed : null;
                var up = link.TryGetProperty("flags", out var flags) && flags.ValueKind == JsonValueKind.Array
                    && flags.EnumerateArray().Any(f => f.ValueKind == JsonValueKind.String && f.GetString() == "UP");
                var addresses = new List<IPAddress>();
                if (link.TryGetProperty("addr_info", out var info) && info.ValueKind == JsonValueKind.Array)
                {
                    foreach (var address in info.EnumerateArray())
                    {
                        if (address.ValueKind == JsonValueKind.Object && String(address, "scope") is not ("link" or "host")
                            && String(address, "local") is { } local && IPAddress.TryParse(local, out var ip) && IsMeshAddress(ip))
                            addresses.Add(ip);
                    }
                }
                return (new MeshLink(name, mac, up, addresses), null);
            }
            return (null, "no interface in the answer");
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return (null, e.Message);
        }
    }

    /// <summary>
    /// IP neighbours with a link-layer address, from <c>ip -j neigh show dev X</c>; entries that failed or are still
    /// incomplete have none and are left out, as are link-local addresses (they need a scope to be used).
    /// </summary>
    public static (IReadOnlyList<(IPAddress Address, MacAddress Mac)> Neighbours, string? Error) NeighboursFromJson(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                return ([], "not a JSON array");
            var neighbours = new List<(IPAddress, MacAddress)>();
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Object)
                    continue;
                var state = entry.TryGetProperty("state", out var states) && states.ValueKind == JsonValueKind.Array
                    ? states.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.String).Select(s => s.GetString()).ToList()
                    : [];
                if (state.Contains("FAILED") || state.Contains("INCOMPLETE"))
                    continue;
                if (String(entry, "dst") is { } dst && IPAddress.TryParse(dst, out var ip) && IsMeshAddress(ip)
                    && String(entry, "lladdr") is { } lladdr && MacAddress.TryParse(lladdr, out var mac))
                    neighbours.Add((ip, mac));
            }
            return (neighbours, null);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return ([], e.Message);
        }
    }

    /// <summary>An address another node can reach over the mesh without knowing which interface to use.</summary>
    private static bool IsMeshAddress(IPAddress ip) =>
        !IPAddress.IsLoopback(ip) && !ip.IsIPv6LinkLocal && !ip.IsIPv6Multicast && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any)
        && !(ip.AddressFamily == AddressFamily.InterNetwork && (ip.GetAddressBytes()[0] >= 224 || ip.GetAddressBytes() is [169, 254, ..]));

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
