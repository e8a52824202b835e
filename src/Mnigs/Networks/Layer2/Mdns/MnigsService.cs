using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Mnigs.Networks.Layer2.Mdns;

/// <summary>
/// The <c>_mnigs._tcp</c> DNS-SD service (RFC 6763) over mDNS (RFC 6762): the records a daemon announces,
/// the query that browses for the others, the answer to a query, and what a response says about other
/// daemons. Pure: no sockets, no clock.
/// TXT keys: <c>txtvers=1</c>, <c>id</c> (node id), <c>name</c>, <c>gateway</c> (yes/no).
/// </summary>
internal static class MnigsService
{
    public const string ServiceType = "_mnigs._tcp.local";
    public const string ServiceEnumeration = "_services._dns-sd._udp.local";

    /// <summary>RFC 6762 section 10 recommends 120 s for records naming a host; one TTL for all keeps it simple.</summary>
    public const uint Ttl = 120;

    /// <summary>Services, names and ids longer than these are not ours: they are dropped.</summary>
    public const int MaxNodeIdLength = 64;

    public const int MaxNameLength = 64;

    /// <summary>Addresses kept per announced service.</summary>
    public const int MaxAddresses = 8;

    public static MdnsAnnouncement For(MdnsIdentity identity, bool gateway, IReadOnlyList<IPAddress> addresses)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity.NodeId)).AsSpan(0, 8));
        var suffix = $" ({hash[..8]})";
        var name = Clean(identity.Name) is { Length: > 0 } clean ? clean : "mnigs";
        var instance = DnsName.Truncate(name, DnsName.MaxLabelLength - suffix.Length) + suffix;
        return new MdnsAnnouncement(DnsName.Escape(instance) + "." + ServiceType, $"mnigs-{hash}.local", identity.RpcPort,
            identity.NodeId, name, gateway, addresses);
    }

    /// <summary>The unsolicited response that announces <paramref name="own"/>; with <paramref name="ttl"/> 0, the goodbye.</summary>
    public static DnsMessage Announce(MdnsAnnouncement own, uint ttl = Ttl) =>
        DnsMessage.Response([new PtrRecord(ServiceType, ttl, own.Instance), .. ServiceRecords(own, ttl)]);

    /// <summary>The browse query; <paramref name="known"/> lists cached instances and their TTL left, for known-answer suppression (RFC 6762 section 7.1).</summary>
    public static DnsMessage Query(IEnumerable<(string Instance, uint Ttl)> known) =>
        new(0, false, [new DnsQuestion(ServiceType, DnsType.Ptr)], [.. known.Take(32).Select(k => new PtrRecord(ServiceType, k.Ttl, k.Instance))]);

    /// <summary>The response to <paramref name="query"/> about <paramref name="own"/>; null when it asks nothing of ours.</summary>
    public static DnsMessage? Answer(DnsMessage query, MdnsAnnouncement own)
    {
        if (query.IsResponse)
            return null;
        var records = new List<DnsRecord>();
        var full = false;
        foreach (var q in query.Questions)
        {
            if (DnsName.Equal(q.Name, ServiceType) && q.Type is DnsType.Ptr or DnsType.Any && !KnownAnswer(query, own))
            {
                records.Add(new PtrRecord(ServiceType, Ttl, own.Instance));
                full = true;
            }
            else if (DnsName.Equal(q.Name, ServiceEnumeration) && q.Type is DnsType.Ptr or DnsType.Any)
                records.Add(new PtrRecord(ServiceEnumeration, Ttl, ServiceType));
            else if (DnsName.Equal(q.Name, own.Instance) && q.Type is DnsType.Srv or DnsType.Txt or DnsType.Any)
                full = true;
            else if (DnsName.Equal(q.Name, own.Host) && q.Type is DnsType.A or DnsType.Aaaa or DnsType.Any)
                records.AddRange(AddressRecords(own, Ttl));
        }
        if (full)
            records.AddRange(ServiceRecords(own, Ttl));
        return records.Count == 0 ? null : DnsMessage.Response([.. records.Distinct()]);
    }

    /// <summary>The <c>_mnigs._tcp</c> services a response describes, with their TXT values checked.</summary>
    public static IReadOnlyList<AnnouncedService> Read(DnsMessage response)
    {
        if (!response.IsResponse)
            return [];
        var instances = new List<(string Instance, uint Ttl)>();
        foreach (var r in response.Records)
        {
            if (r is PtrRecord ptr && DnsName.Equal(ptr.Name, ServiceType) && IsInstance(ptr.Target))
                instances.Add((ptr.Target, ptr.Ttl));
            else if (r is SrvRecord srv && IsInstance(srv.Name))
                instances.Add((srv.Name, srv.Ttl));
        }
        var services = new List<AnnouncedService>();
        foreach (var (instance, ttl) in instances.DistinctBy(i => i.Instance, StringComparer.OrdinalIgnoreCase))
        {
            var srv = response.Records.OfType<SrvRecord>().FirstOrDefault(s => DnsName.Equal(s.Name, instance));
            if (ttl == 0 || srv?.Ttl == 0)
            {
                services.Add(new AnnouncedService(instance, null, null, false, 0, [], 0));
                continue;
            }
            if (srv is null || srv.Port == 0)
                continue;
            var txt = response.Records.OfType<TxtRecord>().FirstOrDefault(t => DnsName.Equal(t.Name, instance));
            var values = txt is null ? [] : TxtValues(txt);
            var addresses = response.Records.OfType<AddressRecord>()
                .Where(a => DnsName.Equal(a.Name, srv.Target) && a.Ttl > 0)
                .Select(a => a.Address)
                .Distinct()
                .Take(MaxAddresses)
                .ToList();
            services.Add(new AnnouncedService(instance, NodeIdOf(values.GetValueOrDefault("id")), Clean(values.GetValueOrDefault("name")),
                values.GetValueOrDefault("gateway") == "yes", srv.Port, addresses, Math.Min(ttl, srv.Ttl)));
        }
        return services;
    }

    private static IEnumerable<DnsRecord> ServiceRecords(MdnsAnnouncement own, uint ttl) =>
    [
        new SrvRecord(own.Instance, ttl, 0, 0, (ushort)own.Port, own.Host),
        new TxtRecord(own.Instance, ttl, ["txtvers=1", "id=" + own.NodeId, "name=" + own.Name, "gateway=" + (own.Gateway ? "yes" : "no")]),
        .. AddressRecords(own, ttl),
    ];

    private static IEnumerable<DnsRecord> AddressRecords(MdnsAnnouncement own, uint ttl) =>
        own.Addresses.Select(a => new AddressRecord(own.Host, ttl, a));

    private static bool KnownAnswer(DnsMessage query, MdnsAnnouncement own) =>
        query.Records.OfType<PtrRecord>().Any(p => DnsName.Equal(p.Name, ServiceType) && DnsName.Equal(p.Target, own.Instance) && p.Ttl >= Ttl / 2);

    private static bool IsInstance(string name) =>
        name.Length > ServiceType.Length + 1 && name.EndsWith("." + ServiceType, StringComparison.OrdinalIgnoreCase);

    /// <summary>RFC 6763 section 6.4: keys are case-insensitive, the first occurrence counts, a string without '=' is a flag.</summary>
    private static Dictionary<string, string> TxtValues(TxtRecord txt)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var s in txt.Strings)
        {
            var equals = s.IndexOf('=');
            var key = equals < 0 ? s : s[..equals];
            if (key.Length > 0)
                values.TryAdd(key, equals < 0 ? "" : s[(equals + 1)..]);
        }
        return values;
    }

    /// <summary>A node id is base64url (43 characters for an Ed25519 key); anything else is dropped.</summary>
    private static string? NodeIdOf(string? id) =>
        id is { Length: > 0 and <= MaxNodeIdLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? id : null;

    /// <summary>A name fit to show: no control characters, at most <see cref="MaxNameLength"/> characters; null when nothing is left.</summary>
    private static string? Clean(string? name)
    {
        if (name is null)
            return null;
        var clean = new string([.. name.Where(c => !char.IsControl(c))]).Trim();
        if (clean.Length > MaxNameLength)
            clean = clean[..MaxNameLength];
        if (clean.Length > 0 && char.IsHighSurrogate(clean[^1]))
            clean = clean[..^1];
        return clean.Length == 0 ? null : clean;
    }
}
