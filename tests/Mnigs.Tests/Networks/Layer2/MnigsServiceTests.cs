using System.Net;
using Mnigs.Networks.Layer2.Mdns;
using static Mnigs.Tests.Networks.Layer2.Packets;

namespace Mnigs.Tests.Networks.Layer2;

public sealed class MnigsServiceTests
{
    private const string NodeId = "YlIGEhanxLGoV1V8wsJrFb5q38_xZtaaG2JcR-OnPZU";

    private static readonly MdnsAnnouncement Own = MnigsService.For(new MdnsIdentity(NodeId, "gw", 65533), true,
        [IPAddress.Parse("10.79.0.1"), IPAddress.Parse("fd79::1"), IPAddress.Parse("fe80::1")]);

    private static DnsMessage Wire(DnsMessage message) => DnsMessage.TryDecode(message.Encode(), out _)!;

    [Fact]
    public void The_announcement_names_the_service_port_node_and_addresses()
    {
        var records = Wire(MnigsService.Announce(Own)).Records;

        var ptr = Assert.Single(records.OfType<PtrRecord>());
        Assert.Equal("_mnigs._tcp.local", ptr.Name);
        Assert.Matches(@"^gw \([0-9a-f]{8}\)\._mnigs\._tcp\.local$", ptr.Target);
        var srv = Assert.Single(records.OfType<SrvRecord>());
        Assert.Equal((ptr.Target, (ushort)65533), (srv.Name, srv.Port));
        Assert.Matches(@"^mnigs-[0-9a-f]{16}\.local$", srv.Target);
        Assert.Equal(["txtvers=1", "id=" + NodeId, "name=gw", "gateway=yes"], Assert.Single(records.OfType<TxtRecord>()).Strings);
        Assert.Equal(["10.79.0.1", "fd79::1", "fe80::1"], records.OfType<AddressRecord>().Select(a => a.Address.ToString()));
        Assert.All(records, r => Assert.Equal(MnigsService.Ttl, r.Ttl));
    }

    [Fact]
    public void Reading_an_announcement_gives_the_daemon_it_announces()
    {
        var service = Assert.Single(MnigsService.Read(Wire(MnigsService.Announce(Own))));

        Assert.Equal(Own.Instance, service.Instance);
        Assert.Equal(NodeId, service.NodeId);
        Assert.Equal("gw", service.Name);
        Assert.True(service.Gateway);
        Assert.Equal(65533, service.Port);
        Assert.Equal(Own.Addresses, service.Addresses);
        Assert.Equal(MnigsService.Ttl, service.Ttl);
    }

    [Fact]
    public void A_goodbye_has_ttl_zero()
    {
        var service = Assert.Single(MnigsService.Read(Wire(MnigsService.Announce(Own, ttl: 0))));

        Assert.Equal((Own.Instance, 0u), (service.Instance, service.Ttl));
    }

    [Fact]
    public void Two_nodes_with_the_same_name_announce_different_instances_and_hosts()
    {
        var other = MnigsService.For(new MdnsIdentity("nMEJCF8CnebPk6PUvs4U50swjOlTnb1WWz-Ofzww-Ls", "gw", 65533), true, []);

        Assert.NotEqual(Own.Instance, other.Instance);
        Assert.NotEqual(Own.Host, other.Host);
    }

    [Fact]
    public void A_long_or_dotted_name_still_makes_one_label()
    {
        var own = MnigsService.For(new MdnsIdentity(NodeId, new string('é', 64) + ".x", 1), false, []);

        var ptr = Assert.Single(Wire(MnigsService.Announce(own)).Records.OfType<PtrRecord>());
        Assert.Equal(own.Instance, ptr.Target);
        Assert.EndsWith(")._mnigs._tcp.local", ptr.Target);
        Assert.Equal(own.Instance, Assert.Single(MnigsService.Read(Wire(MnigsService.Announce(own)))).Instance);
    }

    [Fact]
    public void A_browse_query_is_answered_with_everything_needed_to_connect()
    {
        var answer = MnigsService.Answer(Wire(MnigsService.Query([])), Own);

        Assert.NotNull(answer);
        Assert.True(answer.IsResponse);
        var service = Assert.Single(MnigsService.Read(Wire(answer)));
        Assert.Equal((NodeId, 65533), (service.NodeId, service.Port));
        Assert.Equal(3, service.Addresses.Count);
    }

    [Fact]
    public void A_querier_that_knows_us_gets_no_answer_unless_its_record_is_half_expired()
    {
        Assert.Null(MnigsService.Answer(Wire(MnigsService.Query([(Own.Instance, 100)])), Own));
        Assert.NotNull(MnigsService.Answer(Wire(MnigsService.Query([(Own.Instance, 30)])), Own));
        Assert.NotNull(MnigsService.Answer(Wire(MnigsService.Query([("other._mnigs._tcp.local", 100)])), Own));
    }

    [Fact]
    public void Questions_about_our_instance_host_and_the_service_list_are_answered_and_others_are_not()
    {
        Assert.Contains(MnigsService.Answer(DnsMessage.Query(new DnsQuestion(Own.Instance.ToUpperInvariant(), DnsType.Srv)), Own)!.Records, r => r is SrvRecord);
        Assert.Equal(3, MnigsService.Answer(DnsMessage.Query(new DnsQuestion(Own.Host, DnsType.A)), Own)!.Records.Count);
        var services = Assert.Single(MnigsService.Answer(DnsMessage.Query(new DnsQuestion("_services._dns-sd._udp.local", DnsType.Ptr)), Own)!.Records);
        Assert.Equal("_mnigs._tcp.local", Assert.IsType<PtrRecord>(services).Target);
        Assert.Null(MnigsService.Answer(DnsMessage.Query(new DnsQuestion("_http._tcp.local", DnsType.Ptr)), Own));
        Assert.Null(MnigsService.Answer(MnigsService.Announce(Own), Own));
    }

    [Fact]
    public void Txt_values_that_are_not_a_node_id_or_a_name_are_dropped()
    {
        var instance = "evil._mnigs._tcp.local";
        byte[] packet = [.. Header(0x8400, 0, 3),
            .. Record(Name("_mnigs._tcp.local"), DnsType.Ptr, Name(instance)),
            .. Record(Name(instance), DnsType.Srv, [0, 0, 0, 0, 0x1F, 0x90, .. Name("evil.local")]),
            .. Record(Name(instance), DnsType.Txt, Txt("ID=../../etc/passwd", "id=second", "name=\u0007 " + new string('n', 300)[..200], "gateway=YES!"))];

        var service = Assert.Single(MnigsService.Read(DnsMessage.TryDecode(packet, out _)!));

        Assert.Null(service.NodeId);
        Assert.Equal(new string('n', MnigsService.MaxNameLength), service.Name);
        Assert.False(service.Gateway);
        Assert.Equal(8080, service.Port);
        Assert.Empty(service.Addresses);
    }

    [Fact]
    public void A_service_without_srv_or_with_port_zero_is_not_a_daemon()
    {
        byte[] noSrv = [.. Header(0x8400, 0, 1), .. Record(Name("_mnigs._tcp.local"), DnsType.Ptr, Name("x._mnigs._tcp.local"))];
        byte[] portZero = [.. Header(0x8400, 0, 1), .. Record(Name("x._mnigs._tcp.local"), DnsType.Srv, [0, 0, 0, 0, 0, 0, .. Name("x.local")])];
        byte[] otherService = [.. Header(0x8400, 0, 1), .. Record(Name("_http._tcp.local"), DnsType.Ptr, Name("x._http._tcp.local"))];

        Assert.Empty(MnigsService.Read(DnsMessage.TryDecode(noSrv, out _)!));
        Assert.Empty(MnigsService.Read(DnsMessage.TryDecode(portZero, out _)!));
        Assert.Empty(MnigsService.Read(DnsMessage.TryDecode(otherService, out _)!));
    }

    [Fact]
    public void At_most_eight_addresses_are_taken_from_one_service()
    {
        var many = MnigsService.For(new MdnsIdentity(NodeId, "gw", 65533), false,
            [.. Enumerable.Range(1, 40).Select(i => IPAddress.Parse($"10.79.0.{i}"))]);

        Assert.Equal(MnigsService.MaxAddresses, Assert.Single(MnigsService.Read(Wire(MnigsService.Announce(many)))).Addresses.Count);
    }
}
