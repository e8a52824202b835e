using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Mnigs.Networks.Layer2.Mdns;

/// <summary>
/// Reads a DNS message from a packet anyone on the segment may have sent. Every length is checked against
/// the packet; names are at most 255 bytes, compression pointers may only point backwards (so they cannot
/// loop); question and record counts are bounded; mDNS packets with a non-zero opcode or response code are
/// dropped (RFC 6762 section 18.3, 18.11). Records of other classes and types are skipped.
/// </summary>
internal static class DnsWireReader
{
    private const int HeaderLength = 12;
    private const int MaxPointerJumps = 32;

    public static DnsMessage? Read(ReadOnlySpan<byte> packet, out string? error)
    {
        try
        {
            error = null;
            return ReadMessage(packet);
        }
        catch (MalformedException e)
        {
            error = e.Message;
            return null;
        }
    }

    private static DnsMessage ReadMessage(ReadOnlySpan<byte> packet)
    {
        if (packet.Length > DnsMessage.MaxPacket)
            throw new MalformedException($"packet of {packet.Length} bytes, more than {DnsMessage.MaxPacket}");
        if (packet.Length < HeaderLength)
            throw new MalformedException($"packet of {packet.Length} bytes is shorter than a DNS header");
        var id = BinaryPrimitives.ReadUInt16BigEndian(packet);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if ((flags >> 11 & 0xF) != 0)
            throw new MalformedException($"opcode {flags >> 11 & 0xF}");
        if ((flags & 0xF) != 0)
            throw new MalformedException($"response code {flags & 0xF}");
        int questions = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        var records = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) + BinaryPrimitives.ReadUInt16BigEndian(packet[8..])
            + BinaryPrimitives.ReadUInt16BigEndian(packet[10..]);
        if (questions > DnsMessage.MaxQuestions)
            throw new MalformedException($"{questions} questions, more than {DnsMessage.MaxQuestions}");
        if (records > DnsMessage.MaxRecords)
            throw new MalformedException($"{records} records, more than {DnsMessage.MaxRecords}");

        var position = HeaderLength;
        var questionList = new List<DnsQuestion>(questions);
        for (var i = 0; i < questions; i++)
        {
            var name = ReadName(packet, ref position, packet.Length);
            var type = U16(packet, ref position, packet.Length);
            var klass = U16(packet, ref position, packet.Length);
            if ((klass & 0x7FFF) is 1 or 255)
                questionList.Add(new DnsQuestion(name, type, (klass & 0x8000) != 0));
        }
        var recordList = new List<DnsRecord>(records);
        for (var i = 0; i < records; i++)
        {
            var name = ReadName(packet, ref position, packet.Length);
            var type = U16(packet, ref position, packet.Length);
            var klass = U16(packet, ref position, packet.Length);
            var ttl = U32(packet, ref position, packet.Length);
            var length = U16(packet, ref position, packet.Length);
            var end = position + length;
            if (end > packet.Length)
                throw new MalformedException($"record data of {length} bytes runs past the end of the packet");
            if ((klass & 0x7FFF) == 1 && ReadData(packet, position, end, name, type, ttl) is { } record)
                recordList.Add(record);
            position = end;
        }
        // Bytes after the last record are ignored, as resolvers do.
        return new DnsMessage(id, (flags & 0x8000) != 0, questionList, recordList);
    }

    private static DnsRecord? ReadData(ReadOnlySpan<byte> packet, int position, int end, string name, ushort type, uint ttl)
    {
        switch (type)
        {
            case DnsType.A or DnsType.Aaaa:
                var size = type == DnsType.A ? 4 : 16;
                if (end - position != size)
                    throw new MalformedException($"address record of {end - position} bytes");
                return new AddressRecord(name, ttl, new IPAddress(packet[position..end]));
            case DnsType.Ptr:
                var target = ReadName(packet, ref position, end);
                Expect(position, end, "PTR");
                return new PtrRecord(name, ttl, target);
            case DnsType.Srv:
                var priority = U16(packet, ref position, end);
                var weight = U16(packet, ref position, end);
                var port = U16(packet, ref position, end);
                var host = ReadName(packet, ref position, end);
                Expect(position, end, "SRV");
                return new SrvRecord(name, ttl, priority, weight, port, host);
            case DnsType.Txt:
                var strings = new List<string>();
                while (position < end)
                {
                    var length = packet[position++];
                    if (position + length > end)
                        throw new MalformedException("TXT string runs past its record");
                    if (strings.Count == DnsMessage.MaxTxtStrings)
                        throw new MalformedException($"TXT record with more than {DnsMessage.MaxTxtStrings} strings");
                    if (length > 0)
                        strings.Add(Encoding.UTF8.GetString(packet.Slice(position, length)));
                    position += length;
                }
                return new TxtRecord(name, ttl, strings);
            default:
                return null;
        }
    }

    private static void Expect(int position, int end, string type)
    {
        if (position != end)
            throw new MalformedException($"{type} record data has {end - position} bytes left over");
    }

    /// <summary>
    /// A name at <paramref name="position"/>, which moves past it. The bytes of the name itself must lie before
    /// <paramref name="end"/>; a compression pointer must point before the labels that lead to it.
    /// </summary>
    private static string ReadName(ReadOnlySpan<byte> packet, ref int position, int end)
    {
        var text = new StringBuilder();
        var p = position;
        var limit = end;
        var segmentStart = position;
        var jumped = false;
        var jumps = 0;
        var wire = 1;
        while (true)
        {
            if (p >= limit)
                throw new MalformedException("name runs past its end");
            var length = packet[p];
            if (length == 0)
            {
                p++;
                break;
            }
            if ((length & 0xC0) == 0xC0)
            {
                if (p + 1 >= limit)
                    throw new MalformedException("name pointer runs past its end");
                var target = (length & 0x3F) << 8 | packet[p + 1];
                if (target >= segmentStart)
                    throw new MalformedException("name pointer does not point backwards");
                if (++jumps > MaxPointerJumps)
                    throw new MalformedException("name with too many pointers");
                if (!jumped)
                    position = p + 2;
                jumped = true;
                // Earlier labels may be anywhere before this point in the packet.
                limit = segmentStart;
                segmentStart = target;
                p = target;
                continue;
            }
            if ((length & 0xC0) != 0)
                throw new MalformedException($"label type 0x{length & 0xC0:x2}");
            if (p + 1 + length > limit)
                throw new MalformedException("label runs past its end");
            wire += length + 1;
            if (wire > DnsName.MaxWireLength)
                throw new MalformedException($"name longer than {DnsName.MaxWireLength} bytes");
            var label = Encoding.UTF8.GetString(packet.Slice(p + 1, length));
            if (label.Any(char.IsControl))
                throw new MalformedException("control character in a name");
            if (text.Length > 0)
                text.Append('.');
            text.Append(DnsName.Escape(label));
            p += 1 + length;
        }
        if (!jumped)
            position = p;
        return text.ToString();
    }

    private static ushort U16(ReadOnlySpan<byte> packet, ref int position, int end)
    {
        if (position + 2 > end)
            throw new MalformedException("message ends inside a field");
        var value = BinaryPrimitives.ReadUInt16BigEndian(packet[position..]);
        position += 2;
        return value;
    }

    private static uint U32(ReadOnlySpan<byte> packet, ref int position, int end)
    {
        if (position + 4 > end)
            throw new MalformedException("message ends inside a field");
        var value = BinaryPrimitives.ReadUInt32BigEndian(packet[position..]);
        position += 4;
        return value;
    }

    private sealed class MalformedException(string message) : Exception(message);
}
