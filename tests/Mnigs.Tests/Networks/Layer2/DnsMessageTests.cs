using System.Net;
using CsCheck;
using Mnigs.Networks.Layer2.Mdns;
using static Mnigs.Tests.Networks.Layer2.Packets;

namespace Mnigs.Tests.Networks.Layer2;

public sealed class DnsMessageTests
{
    private static DnsMessage Decode(byte[] packet)
    {
        var message = DnsMessage.TryDecode(packet, out var error);
        Assert.True(message is not null, error);
        return message;
    }

    private static string Rejected(byte[] packet)
    {
        var message = DnsMessage.TryDecode(packet, out var error);
        Assert.Null(message);
        Assert.False(string.IsNullOrEmpty(error));
        return error!;
    }

    [Fact]
    public void A_response_with_every_record_type_reads_back_as_written()
    {
        var written = DnsMessage.Response(
        [
            new PtrRecord("_mnigs._tcp.local", 120, "gw\\. one (a1b2c3d4)._mnigs._tcp.local"),
            new SrvRecord("gw\\. one (a1b2c3d4)._mnigs._tcp.local", 120, 0, 0, 65533, "mnigs-a1b2c3d4a1b2c3d4.local"),
            new TxtRecord("gw\\. one (a1b2c3d4)._mnigs._tcp.local", 120, ["txtvers=1", "name=gw. one", "gateway=yes"]),
            new AddressRecord("mnigs-a1b2c3d4a1b2c3d4.local", 120, IPAddress.Parse("10.79.0.1")),
            new AddressRecord("mnigs-a1b2c3d4a1b2c3d4.local", 120, IPAddress.Parse("fd79::1")),
        ]);

        var read = Decode(written.Encode());

        Assert.True(read.IsResponse);
        Assert.Equal(5, read.Records.Count);
        Assert.Equal(written.Records[0], read.Records[0]);
        Assert.Equal(written.Records[1], read.Records[1]);
        Assert.Equal(["txtvers=1", "name=gw. one", "gateway=yes"], ((TxtRecord)read.Records[2]).Strings);
        Assert.Equal(written.Records[3], read.Records[3]);
        Assert.Equal(written.Records[4], read.Records[4]);
    }

    [Fact]
    public void A_query_keeps_its_questions_and_the_unicast_response_bit()
    {
        var read = Decode(DnsMessage.Query(new DnsQuestion("_mnigs._tcp.local", DnsType.Ptr), new DnsQuestion("x.local", DnsType.A, UnicastResponse: true)).Encode());

        Assert.False(read.IsResponse);
        Assert.Equal([new DnsQuestion("_mnigs._tcp.local", DnsType.Ptr), new DnsQuestion("x.local", DnsType.A, true)], read.Questions);
    }

    [Fact]
    public void Compressed_names_are_followed_backwards()
    {
        // An A record owned by "_mnigs._tcp.local" at offset 12, then a PTR whose owner points at that name
        // and whose target is "gw" followed by a pointer to it.
        byte[] packet = [.. Header(0x8400, 0, 2), .. Record(Name("_mnigs._tcp.local"), DnsType.A, [10, 0, 0, 1]),
            .. Record([0xC0, 12], DnsType.Ptr, [2, (byte)'g', (byte)'w', 0xC0, 12])];

        var ptr = Assert.IsType<PtrRecord>(Decode(packet).Records[1]);

        Assert.Equal("_mnigs._tcp.local", ptr.Name);
        Assert.Equal("gw._mnigs._tcp.local", ptr.Target);
    }

    [Fact]
    public void A_pointer_to_itself_or_forwards_is_refused()
    {
        Assert.Contains("backwards", Rejected([.. Header(0, 1, 0), 0xC0, 12, .. U16(1), .. U16(1)]));
        Assert.Contains("backwards", Rejected([.. Header(0, 1, 0), 0xC0, 14, 0, .. U16(1), .. U16(1)]));
        // Two names pointing at each other.
        byte[] loop = [.. Header(0, 2, 0), 1, (byte)'a', 0xC0, 18, .. U16(1), .. U16(1), 1, (byte)'b', 0xC0, 12, .. U16(1), .. U16(1)];
        Assert.NotNull(Rejected(loop));
    }

    [Fact]
    public void Hostile_shapes_are_dropped_with_a_reason()
    {
        Assert.Contains("shorter", Rejected([1, 2, 3]));
        Assert.Contains("more than 9000", Rejected(new byte[9001]));
        Assert.Contains("questions", Rejected(Header(0, 33, 0)));
        Assert.Contains("records", Rejected(Header(0x8400, 0, 100, 20, 20)));
        Assert.Contains("opcode", Rejected(Header(0x2800, 0, 0)));
        Assert.Contains("response code", Rejected(Header(0x8403, 0, 0)));
        Assert.NotNull(Rejected(Header(0x8400, 0, 1)));
        Assert.Contains("past the end", Rejected([.. Header(0x8400, 0, 1), .. Name("a.local"), .. U16(1), .. U16(1), .. U32(1), .. U16(200), 1, 2]));
        Assert.Contains("address record", Rejected([.. Header(0x8400, 0, 1), .. Record(Name("a.local"), DnsType.A, [1, 2, 3])]));
        Assert.Contains("label type", Rejected([.. Header(0, 1, 0), 0x40, 0, .. U16(1), .. U16(1)]));
        Assert.Contains("control character", Rejected([.. Header(0, 1, 0), .. Name("a\u0001b.local"), .. U16(1), .. U16(1)]));
        var longName = string.Join('.', Enumerable.Repeat(new string('x', 63), 4));
        Assert.Contains("255", Rejected([.. Header(0, 1, 0), .. Name(longName), .. U16(1), .. U16(1)]));
        Assert.Contains("TXT", Rejected([.. Header(0x8400, 0, 1), .. Record(Name("a.local"), DnsType.Txt, [10, (byte)'a'])]));
        Assert.Contains("left over", Rejected([.. Header(0x8400, 0, 1), .. Record(Name("a.local"), DnsType.Ptr, [.. Name("b.local"), 9])]));
        Assert.Contains("more than 32 strings", Rejected([.. Header(0x8400, 0, 1), .. Record(Name("a.local"), DnsType.Txt, Txt([.. Enumerable.Repeat("k=v", 33)]))]));
    }

    [Fact]
    public void Records_of_other_classes_and_types_are_skipped()
    {
        byte[] packet = [.. Header(0x8400, 0, 3), .. Record(Name("a.local"), 99, [1, 2, 3]), .. Record(Name("a.local"), DnsType.A, [1, 2, 3, 4], klass: 3),
            .. Record(Name("a.local"), DnsType.A, [10, 0, 0, 1], klass: 0x8001)];

        var record = Assert.IsType<AddressRecord>(Assert.Single(Decode(packet).Records));

        Assert.Equal(IPAddress.Parse("10.0.0.1"), record.Address);
    }

    [Fact]
    public void A_full_size_packet_of_valid_records_is_read()
    {
        var records = Enumerable.Range(0, 128).Select(i => Record(Name($"h{i}.local"), DnsType.Txt, Txt(new string('t', 40)))).SelectMany(r => r);
        byte[] packet = [.. Header(0x8400, 0, 128), .. records];

        Assert.True(packet.Length <= DnsMessage.MaxPacket);
        Assert.Equal(128, Decode(packet).Records.Count);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        Gen.Byte.Array[0, 700].Sample(bytes =>
        {
            var message = DnsMessage.TryDecode(bytes, out var error);
            return message is not null || error is not null;
        }, iter: 20_000);
    }

    [Fact]
    public void Mutated_announcements_never_throw_and_what_reads_is_bounded()
    {
        var own = MnigsService.For(new MdnsIdentity("YlIGEhanxLGoV1V8wsJrFb5q38_xZtaaG2JcR-OnPZU", "gw", 65533), true,
            [IPAddress.Parse("10.79.0.1"), IPAddress.Parse("fd79::1"), IPAddress.Parse("fe80::1")]);
        var valid = MnigsService.Announce(own).Encode();
        var mutation = Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte, Gen.Int[0, 3]);
        mutation.Array[1, 8].Sample(changes =>
        {
            var packet = (byte[])valid.Clone();
            var length = packet.Length;
            foreach (var (at, value, kind) in changes)
            {
                switch (kind)
                {
                    case 0: packet[at] = value; break;
                    case 1: packet[at] ^= (byte)(1 << (value % 8)); break;
                    case 2: length = Math.Min(length, at); break;
                    default: packet[at] = 0xC0; break;
                }
            }
            var message = DnsMessage.TryDecode(packet.AsSpan(0, length), out var error);
            if (message is null)
                return error is not null;
            var services = MnigsService.Read(message);
            return message.Records.Count <= DnsMessage.MaxRecords
                && services.All(s => s.Addresses.Count <= MnigsService.MaxAddresses && (s.Name?.Length ?? 0) <= MnigsService.MaxNameLength);
        }, iter: 20_000);
    }

    [Fact]
    public void Generated_messages_read_back_as_written()
    {
        var label = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_ .\\é"], 1, 20]
            .Where(s => System.Text.Encoding.UTF8.GetByteCount(s) <= 63);
        var name = label.Array[1, 4].Select(ls => string.Join('.', ls.Select(DnsName.Escape)));
        var record = Gen.OneOf<DnsRecord>(
            Gen.Select(name, Gen.UInt, name).Select((n, t, target) => (DnsRecord)new PtrRecord(n, t, target)),
            Gen.Select(name, Gen.UShort, name).Select((n, port, target) => (DnsRecord)new SrvRecord(n, 120, 0, 0, port, target)),
            Gen.Select(name, Gen.Byte.Array[4]).Select((n, a) => (DnsRecord)new AddressRecord(n, 120, new IPAddress(a))),
            Gen.Select(name, Gen.Byte.Array[16]).Select((n, a) => (DnsRecord)new AddressRecord(n, 120, new IPAddress(a))));
        record.Array[0, 20].Sample(records =>
        {
            var read = DnsMessage.TryDecode(DnsMessage.Response(records).Encode(), out _);
            return read is not null && read.Records.SequenceEqual(records);
        }, iter: 2_000);
    }
}
