using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Directory;
using Mnigs.Networks;
using Mnigs.Store;

namespace Mnigs.Discovery;

/// <summary>
/// What `-l` / listGateways shows: the gateways of the directory and of recent scans together, one
/// entry per node with all its addresses and where and when it was learned, plus the exits the
/// routing protocol announces by itself (babel default routes) as unmanaged hints. A gateway that
/// withdrew or whose record expired disappears, even if an earlier scan had found it.
/// </summary>
public static class GatewayList
{
    public sealed class Entry
    {
        public string? Id { get; set; }
        public string Name { get; set; } = "";
        public List<(string Network, string Address)> Addresses { get; } = [];
        public int Port { get; set; }
        public List<string> Suites { get; set; } = [];
        /// <summary>The suites with their prices: a directory record's as signed; a scan's only where the payment is free (a scan learns no price).</summary>
        public List<SuiteOffer> Offers { get; set; } = [];
        public SortedSet<string> Sources { get; } = new(StringComparer.Ordinal);
        public DateTimeOffset LearnedAt { get; set; }
        public DateTimeOffset LastSeen { get; set; }
        public int? Load { get; set; }
        public int? Capacity { get; set; }
        public bool Managed { get; set; } = true;

        public string PrimaryAddress =>
            Addresses.Select(a => a.Address).OrderBy(a => IPAddress.TryParse(a, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault() ?? "";

        public void AddAddress(string network, string address)
        {
            if (!Addresses.Any(a => a.Address == address))
                Addresses.Add((network, address));
        }
    }

    /// <param name="scanFreshness">How long a scan's finding counts without the directory confirming it.</param>
    public static List<Entry> Build(
        string selfId,
        IReadOnlyList<(DirectoryRecord Record, DateTimeOffset FirstSeen)> live,
        Func<string, DirectoryRecord?> findRecord,
        IReadOnlyList<GatewayRecord> scanned,
        IReadOnlyList<(string Network, ExitHint Hint)> hints,
        DateTimeOffset now,
        TimeSpan scanFreshness,
        Func<IPAddress, string?>? networkOf = null)
    {
        string NetworkOf(IPAddress a) => networkOf?.Invoke(a) ?? "scan";
        var byId = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var entries = new List<Entry>();

        foreach (var (record, firstSeen) in live)
        {
            if (record.NodeId == selfId)
                continue;
            var entry = new Entry
            {
                Id = record.NodeId,
                Name = record.Name,
                Port = record.RpcPort,
                Suites = [.. record.Suites.Select(s => s.Id)],
                Offers = [.. record.Suites],
                LearnedAt = firstSeen,
                LastSeen = record.IssuedAtTime,
                Load = record.Load,
                Capacity = record.Capacity,
            };
            foreach (var a in record.Addresses)
                entry.AddAddress(a.Network, a.Address);
            entry.Sources.Add("directory");
            byId[record.NodeId] = entry;
            entries.Add(entry);
        }

        foreach (var g in scanned.Where(g => g.Source != GatewaySource.Hint))
        {
            if (g.NodeId == selfId)
                continue;
            if (g.NodeId is { } id && findRecord(id) is { } record && record.EndedSince(g.LastSeen, now))
                continue; // withdrawn or expired since the scan saw it
            if (now - g.LastSeen > scanFreshness && (g.NodeId is null || !byId.ContainsKey(g.NodeId)))
                continue;
            if (g.NodeId is { } known && byId.TryGetValue(known, out var existing))
            {
                existing.AddAddress(NetworkOf(g.Address), g.Address.ToString());
                existing.Sources.Add("scan");
                existing.LearnedAt = Min(existing.LearnedAt, g.LearnedAt);
                existing.LastSeen = Max(existing.LastSeen, g.LastSeen);
                continue;
            }
            var entry = new Entry
            {
                Id = g.NodeId,
                Name = g.Name,
                Port = g.Port,
                Suites = [.. g.Suites.Select(s => s.Id)],
                Offers = [.. g.Suites.Where(s => s.Payment == "free").Select(s => SuiteOffer.Free(s.Id))],
                LearnedAt = g.LearnedAt,
                LastSeen = g.LastSeen,
            };
            entry.AddAddress(NetworkOf(g.Address), g.Address.ToString());
            entry.Sources.Add("scan");
            if (g.NodeId is not null)
                byId[g.NodeId] = entry;
            entries.Add(entry);
        }

        foreach (var (network, hint) in hints)
        {
            var address = (hint.Origin ?? hint.Via)?.ToString();
            if (address is null)
                continue;
            var known = entries.FirstOrDefault(e => e.Addresses.Any(a => a.Address == address));
            if (known is not null)
            {
                known.Sources.Add("hint");
                continue;
            }
            var entry = new Entry { Name = "", Port = 0, LearnedAt = now, LastSeen = now, Managed = false };
            entry.AddAddress(network, address);
            entry.Sources.Add("hint");
            entries.Add(entry);
        }

        return [.. entries.OrderBy(e => e.Managed ? 0 : 1).ThenBy(e => e.Name, StringComparer.Ordinal).ThenBy(e => e.PrimaryAddress, StringComparer.Ordinal)];
    }

    public static JsonObject Describe(Entry e) => new()
    {
        ["id"] = e.Id,
        ["name"] = e.Name,
        ["address"] = e.PrimaryAddress,
        ["addresses"] = new JsonArray([.. e.Addresses.Select(a => (JsonNode)new JsonObject { ["network"] = a.Network, ["address"] = a.Address })]),
        ["port"] = e.Port,
        ["suites"] = new JsonArray([.. e.Suites.Select(s => (JsonNode)s)]),
        ["sources"] = new JsonArray([.. e.Sources.Select(s => (JsonNode)s)]),
        ["source"] = string.Join("+", e.Sources),
        ["managed"] = e.Managed,
        ["load"] = e.Load,
        ["capacity"] = e.Capacity,
        ["learnedAt"] = e.LearnedAt.ToUnixTimeSeconds(),
        ["lastSeen"] = e.LastSeen.ToUnixTimeSeconds(),
        ["offers"] = new JsonArray([.. e.Offers.Select(o => (JsonNode)new JsonObject { ["id"] = o.Id, ["pricePerHour"] = o.PricePerHour })]),
    };

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
