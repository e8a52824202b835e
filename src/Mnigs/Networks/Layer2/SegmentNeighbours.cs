using System.Net;
using System.Text.Json;

namespace Mnigs.Networks.Layer2;

/// <summary>
/// The kernel's neighbour table of the segment's interface, as <c>ip -j neigh show dev IFACE</c> reports it
/// (iproute2 5.x/6.x JSON, ip/ipneigh.c): hosts this node exchanged packets with, whether or not they run Mnigs.
/// </summary>
public static class SegmentNeighbours
{
    /// <summary>Entries read from one answer; a segment with more hosts is a bigger network than this adapter is for.</summary>
    public const int MaxEntries = 1024;

    /// <summary>States of entries that stand for a host that answered (not INCOMPLETE, FAILED or NONE).</summary>
    private static readonly string[] Live = ["REACHABLE", "STALE", "DELAY", "PROBE", "PERMANENT", "NOARP"];

    /// <summary>Addresses of the live entries, in the kernel's order. Throws <see cref="JsonException"/> on text that is not JSON.</summary>
    public static IReadOnlyList<IPAddress> Parse(string json)
    {
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
            return [];
        var list = new List<IPAddress>();
        foreach (var entry in document.RootElement.EnumerateArray().Take(MaxEntries))
        {
            if (entry.ValueKind != JsonValueKind.Object
                || !entry.TryGetProperty("dst", out var dst) || dst.ValueKind != JsonValueKind.String
                || !IPAddress.TryParse(dst.GetString(), out var address)
                || address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId != 0)
                continue;
            var states = entry.TryGetProperty("state", out var s) && s.ValueKind == JsonValueKind.Array
                ? s.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()).ToList()
                : [];
            if (states.Any(x => Live.Contains(x)))
                list.Add(address);
        }
        return list;
    }
}
