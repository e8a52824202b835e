namespace Mnigs.Networks.Layer2.Mdns;

/// <summary>
/// A DNS message as mDNS uses it (RFC 1035 section 4, RFC 6762 section 18): a query with questions and
/// known answers, or a response with records. Answer, authority and additional records are read into one
/// list; <see cref="Encode"/> writes them all as answers, without name compression.
/// </summary>
internal sealed record DnsMessage(ushort Id, bool IsResponse, IReadOnlyList<DnsQuestion> Questions, IReadOnlyList<DnsRecord> Records)
{
    /// <summary>RFC 6762 section 17: an mDNS packet is at most 9000 bytes. Anything larger is dropped unread.</summary>
    public const int MaxPacket = 9000;

    /// <summary>More than this in one packet is not an mDNS peer of ours talking: the packet is dropped.</summary>
    public const int MaxQuestions = 32;

    public const int MaxRecords = 128;

    /// <summary>Strings in one TXT record; ours has four.</summary>
    public const int MaxTxtStrings = 32;

    public static DnsMessage Query(params DnsQuestion[] questions) => new(0, false, questions, []);

    public static DnsMessage Response(IReadOnlyList<DnsRecord> records) => new(0, true, [], records);

    public byte[] Encode() => DnsWireWriter.Write(this);

    /// <summary>The message in <paramref name="packet"/>, or null with the reason it was dropped.</summary>
    public static DnsMessage? TryDecode(ReadOnlySpan<byte> packet, out string? error) => DnsWireReader.Read(packet, out error);
}
