using System.Net;
using Mnigs.Core.Host;
using Mnigs.Tunnels.OpenVpn;

namespace Mnigs.Tests.Tunnels.OpenVpn;

/// <summary>Which connections the server lets in, judged from what openvpn 2.6 reports of them (<see cref="Recorded.Connect"/>).</summary>
public sealed class OpenVpnAdmissionTests
{
    private const string Live = "3D:28:45:CD:37:5B:45:16:A4:83:E7:16:EF:BA:DC:20:85:0B:86:BF:9D:44:2B:58:22:D1:EB:07:02:AC:1B:79";
    private const string Other = "B6:75:94:7D:F7:CB:0A:9A:7D:68:68:E4:3E:F5:85:6D:3A:28:2E:3D:55:7E:05:FA:03:80:77:B2:8B:39:1F:35";

    private static readonly ServedSession Session = new("f95afbb0c0ffee00f95afbb0c0ffee00", "mnigs-aaaa", Live, IPAddress.Parse("10.77.0.1"),
        InterfaceAddress.Parse("10.203.0.2/24"), InterfaceAddress.Parse("fd6d:6e69:6775::2/64"), IPAddress.Parse("fd6d:6e69:6775::1"));

    private static Dictionary<string, string> Env(string fingerprint, string from) =>
        Recorded.Connect(0, 1, fingerprint, from, "mnigs-aaaa")
            .Where(l => l.StartsWith(">CLIENT:ENV,", StringComparison.Ordinal) && l != ">CLIENT:ENV,END")
            .Select(l => l[">CLIENT:ENV,".Length..].Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public void A_live_sessions_certificate_from_its_mesh_address_gets_in_with_its_addresses()
    {
        var decision = OpenVpnAdmission.Decide(Env(Live, "10.77.0.1"), [Session]);

        Assert.True(decision.Admit);
        Assert.Same(Session, decision.Session);
        Assert.Equal(["ifconfig-push 10.203.0.2 255.255.255.0", "ifconfig-ipv6-push fd6d:6e69:6775::2/64 fd6d:6e69:6775::1"], decision.Config.ToArray());
    }

    [Fact]
    public void A_certificate_of_no_live_session_is_refused()
    {
        var decision = OpenVpnAdmission.Decide(Env(Other, "10.77.0.1"), [Session]);

        Assert.False(decision.Admit);
        Assert.Equal("certificate b6:75:94:7d… belongs to no live session", decision.Reason);
        Assert.False(OpenVpnAdmission.Decide(Env(Live, "10.77.0.1"), []).Admit);
    }

    [Fact]
    public void The_right_certificate_from_another_address_is_refused()
    {
        var decision = OpenVpnAdmission.Decide(Env(Live, "10.77.0.2"), [Session]);

        Assert.False(decision.Admit);
        Assert.Equal("session f95afbb0 belongs to 10.77.0.1, not 10.77.0.2", decision.Reason);
    }

    [Fact]
    public void A_connection_without_certificate_or_source_is_refused()
    {
        var noCertificate = Env(Live, "10.77.0.1");
        noCertificate.Remove("tls_digest_sha256_0");
        var noSource = Env(Live, "10.77.0.1");
        noSource.Remove("untrusted_ip");

        Assert.Equal("no client certificate", OpenVpnAdmission.Decide(noCertificate, [Session]).Reason);
        Assert.Equal("no source address", OpenVpnAdmission.Decide(noSource, [Session]).Reason);
    }

    [Fact]
    public void IPv6_mesh_addresses_and_IPv4_clients_of_the_dual_stack_socket_are_matched_as_such()
    {
        var over6 = Session with { MeshAddress = IPAddress.Parse("fd77::1") };

        Assert.True(OpenVpnAdmission.Decide(Env(Live, "fd77::1"), [over6]).Admit);
        Assert.False(OpenVpnAdmission.Decide(Env(Live, "fd77::2"), [over6]).Admit);
        Assert.True(OpenVpnAdmission.Decide(Env(Live, "::ffff:10.77.0.1"), [Session]).Admit);
    }

    [Fact]
    public void An_IPv4_only_session_gets_only_its_IPv4_address()
    {
        var v4Only = Session with { Ipv6 = null, Gateway6 = null };

        Assert.Equal(["ifconfig-push 10.203.0.2 255.255.255.0"], OpenVpnAdmission.Decide(Env(Live, "10.77.0.1"), [v4Only]).Config.ToArray());
    }

    [Fact]
    public void The_client_list_of_status_3_names_each_clients_id_and_certificate()
    {
        var clients = OpenVpnStatus.Clients(Recorded.Status((0, "mnigs-aaaa", "10.77.0.1"), (7, "mnigs-bbbb", "10.77.0.2")));

        Assert.Equal([new ConnectedClient(0, "mnigs-aaaa"), new ConnectedClient(7, "mnigs-bbbb")], clients);
        Assert.Empty(OpenVpnStatus.Clients(Recorded.StatusNoClients));
        Assert.Empty(OpenVpnStatus.Clients(["CLIENT_LIST\tmnigs-aaaa\tno header yet"]));
    }
}
