using System.Net;

namespace Mnigs.Networks.Layer2.Mdns;

/// <summary>The resource record types Mnigs reads and writes (RFC 1035, RFC 2782 SRV, RFC 3596 AAAA); others are skipped.</summary>
internal static class DnsType
{
    public const ushort A = 1;
    public const ushort Ptr = 12;
    public const ushort Txt = 16;
    public const ushort Aaaa = 28;
    public const ushort Srv = 33;
    public const ushort Any = 255;
}

/// <summary>
/// One question. <paramref name="UnicastResponse"/> is mDNS's QU bit (the top bit of the class, RFC 6762
/// section 5.4). Names are in presentation form: labels joined by '.', a '.' or '\' inside a label escaped with '\'.
/// </summary>
internal sealed record DnsQuestion(string Name, ushort Type, bool UnicastResponse = false);

/// <summary>A resource record of class IN. Unique records (all but PTR) carry mDNS's cache-flush bit when sent.</summary>
internal abstract record DnsRecord(string Name, uint Ttl)
{
    public abstract ushort Type { get; }
}

internal sealed record PtrRecord(string Name, uint Ttl, string Target) : DnsRecord(Name, Ttl)
{
    public override ushort Type => DnsType.Ptr;
}

internal sealed record SrvRecord(string Name, uint Ttl, ushort Priority, ushort Weight, ushort Port, string Target) : DnsRecord(Name, Ttl)
{
    public override ushort Type => DnsType.Srv;
}

/// <summary>DNS-SD key=value strings (RFC 6763 section 6), each at most 255 bytes of UTF-8.</summary>
internal sealed record TxtRecord(string Name, uint Ttl, IReadOnlyList<string> Strings) : DnsRecord(Name, Ttl)
{
    public override ushort Type => DnsType.Txt;
}

/// <summary>An A (IPv4) or AAAA (IPv6) record.</summary>
internal sealed record AddressRecord(string Name, uint Ttl, IPAddress Address) : DnsRecord(Name, Ttl)
{
    public override ushort Type => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? DnsType.A : DnsType.Aaaa;
}
