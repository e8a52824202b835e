using System.Buffers.Binary;
using System.Text;

namespace Mnigs.Networks.Layer2.Mdns;

/// <summary>Writes a <see cref="DnsMessage"/> in wire format. mDNS responses are authoritative (AA) with id 0.</summary>
internal static class DnsWireWriter
{
    private const ushort ClassIn = 1;
    private const ushort CacheFlush = 0x8000;
    private const ushort UnicastResponse = 0x8000;

    public static byte[] Write(DnsMessage message)
    {
        var w = new List<byte>(512);
        U16(w, message.Id);
        U16(w, message.IsResponse ? (ushort)0x8400 : (ushort)0);
        U16(w, checked((ushort)message.Questions.Count));
        U16(w, checked((ushort)message.Records.Count));
        U16(w, 0);
        U16(w, 0);
        foreach (var q in message.Questions)
        {
            Name(w, q.Name);
            U16(w, q.Type);
            U16(w, (ushort)(ClassIn | (q.UnicastResponse ? UnicastResponse : 0)));
        }
        foreach (var r in message.Records)
        {
            Name(w, r.Name);
            U16(w, r.Type);
            U16(w, (ushort)(ClassIn | (message.IsResponse && r is not PtrRecord ? CacheFlush : 0)));
            U32(w, r.Ttl);
            var lengthAt = w.Count;
            U16(w, 0);
            Data(w, r);
            var length = checked((ushort)(w.Count - lengthAt - 2));
            w[lengthAt] = (byte)(length >> 8);
            w[lengthAt + 1] = (byte)length;
        }
        if (w.Count > DnsMessage.MaxPacket)
            throw new InvalidOperationException($"mDNS message of {w.Count} bytes is larger than {DnsMessage.MaxPacket}");
        return [.. w];
    }

    private static void Data(List<byte> w, DnsRecord record)
    {
        switch (record)
        {
            case PtrRecord ptr:
                Name(w, ptr.Target);
                break;
            case SrvRecord srv:
                U16(w, srv.Priority);
                U16(w, srv.Weight);
                U16(w, srv.Port);
                Name(w, srv.Target);
                break;
            case TxtRecord txt:
                foreach (var s in txt.Strings)
                {
                    var bytes = Encoding.UTF8.GetBytes(s);
                    if (bytes.Length > 255)
                        throw new ArgumentException($"TXT string of {bytes.Length} bytes", nameof(record));
                    w.Add((byte)bytes.Length);
                    w.AddRange(bytes);
                }
                if (txt.Strings.Count == 0)
                    w.Add(0); // RFC 6763 section 6.1: an empty TXT record holds one empty string.
                break;
            case AddressRecord address:
                w.AddRange(address.Address.GetAddressBytes());
                break;
            default:
                throw new ArgumentException($"cannot write a {record.GetType().Name}", nameof(record));
        }
    }

    private static void Name(List<byte> w, string name)
    {
        foreach (var label in DnsName.Labels(name))
        {
            w.Add((byte)label.Length);
            w.AddRange(label);
        }
        w.Add(0);
    }

    private static void U16(List<byte> w, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, value);
        w.Add(b[0]);
        w.Add(b[1]);
    }

    private static void U32(List<byte> w, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        w.AddRange(b);
    }
}
