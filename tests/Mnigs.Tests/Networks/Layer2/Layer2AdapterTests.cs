using System.Net;
using Mnigs.Networks.Layer2;
using Mnigs.Networks.Layer2.Mdns;
using Mnigs.Platform;
using Mnigs.Tests.Platform;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mnigs.Tests.Networks.Layer2;

public sealed class Layer2AdapterTests
{
    private const string AddrShow = "ip -j addr show dev l2a-ns1";
    private const string NeighShow = "ip -j neigh show dev l2a-ns1";

    private sealed class FakePeers(params MdnsPeer[] peers) : IMdnsPeers
    {
        public IReadOnlyList<MdnsPeer> Live() => peers;

        public string Describe() => $"mDNS: {peers.Length} seen";
    }

    private static MdnsPeer Peer(string name, bool gateway, params string[] addresses) =>
        new(name + "._mnigs._tcp.local", name, name, gateway, 65533, [.. addresses.Select(IPAddress.Parse)], DateTimeOffset.MaxValue);

    private static (Layer2Adapter Adapter, ScriptedCommandRunner Host) Adapter(string iface = "l2a-ns1", params MdnsPeer[] peers)
    {
        var host = new ScriptedCommandRunner();
        return (new Layer2Adapter(new SegmentReader(host, iface), new FakePeers(peers), NullLogger<Layer2Adapter>.Instance), host);
    }

    [Fact]
    public async Task Without_an_interface_status_says_to_set_one()
    {
        var (adapter, host) = Adapter(iface: "");

        var health = await adapter.CheckAsync(CancellationToken.None);

        Assert.False(health.Available);
        Assert.Equal("layer2: no interface set: set [layer2] interface to the interface on the switched segment", health.Message);
        Assert.Empty(host.Calls);
        await Assert.ThrowsAsync<SegmentException>(() => adapter.NeighbourHostsAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData(1, "Device \"l2a-ns1\" does not exist.", "layer2: interface l2a-ns1 does not exist")]
    [InlineData(CommandResult.NotFound, "", "layer2: the ip command (iproute2) is not installed")]
    [InlineData(2, "RTNETLINK answers: Operation not permitted\n", "layer2: ip -j addr show dev l2a-ns1 failed: RTNETLINK answers: Operation not permitted")]
    public async Task When_ip_cannot_show_the_interface_status_says_why(int exitCode, string stderr, string expected)
    {
        var (adapter, host) = Adapter();
        host.Answer(AddrShow, CommandResult.Fail(exitCode, stderr));

        var health = await adapter.CheckAsync(CancellationToken.None);

        Assert.False(health.Available);
        Assert.StartsWith(expected, health.Message);
    }

    [Theory]
    [InlineData("""[{"ifindex":2,"ifname":"l2a-ns1","flags":["BROADCAST","MULTICAST"],"addr_info":[{"family":"inet","local":"10.79.0.11","prefixlen":24,"scope":"global"}]}]""",
        "layer2: interface l2a-ns1 is down: bring it up (ip link set l2a-ns1 up)")]
    [InlineData("""[{"ifindex":2,"ifname":"l2a-ns1","flags":["NO-CARRIER","UP"],"addr_info":[{"family":"inet","local":"10.79.0.11","prefixlen":24,"scope":"global"}]}]""",
        "layer2: interface l2a-ns1 has no carrier: is it connected to the switch?")]
    [InlineData("""[{"ifindex":2,"ifname":"l2a-ns1","flags":["UP","LOWER_UP"],"addr_info":[{"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link"}]}]""",
        "layer2: interface l2a-ns1 has no IPv4 or global IPv6 address: give it one on the segment (DHCP or static); an IPv6 link-local address alone is not enough")]
    [InlineData("[]", "layer2: interface l2a-ns1 does not exist: set [layer2] interface to the interface on the switched segment")]
    public async Task An_interface_that_cannot_carry_mnigs_is_reported_plainly(string addrShow, string expected)
    {
        var (adapter, host) = Adapter();
        host.Answer(AddrShow, addrShow);

        var health = await adapter.CheckAsync(CancellationToken.None);

        Assert.Equal(AdapterHealthOf(false, expected), (health.Available, health.Message));
        await Assert.ThrowsAsync<SegmentException>(() => adapter.MyAddressesAsync(CancellationToken.None));
    }

    private static (bool, string) AdapterHealthOf(bool available, string message) => (available, message);

    [Fact]
    public async Task An_interface_with_an_address_is_available_with_its_addresses_and_what_mdns_sees()
    {
        var (adapter, host) = Adapter();
        host.Answer(AddrShow, SegmentLinkTests.Veth);

        var health = await adapter.CheckAsync(CancellationToken.None);

        Assert.True(health.Available);
        Assert.Equal("l2a-ns1 10.79.0.11/24 fd79::11/64; mDNS: 0 seen", health.Message);
        Assert.Equal(["10.79.0.11", "fd79::11"], (await adapter.MyAddressesAsync(CancellationToken.None)).Select(a => a.ToString()));
        Assert.Equal("layer2", adapter.Name);
        Assert.Empty(await adapter.ExitHintsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Neighbours_are_the_announced_daemons_first_then_the_neighbour_table_all_one_hop()
    {
        var (adapter, host) = Adapter("l2a-ns1", Peer("gw", true, "10.79.0.1", "fd79::1"), Peer("s2", false, "10.79.0.12"));
        host.Answer(AddrShow, SegmentLinkTests.Veth);
        host.Answer(NeighShow, """
            [{"dst":"fd79::50","lladdr":"aa:aa:aa:aa:aa:50","state":["STALE"]},
             {"dst":"10.79.0.12","lladdr":"2e:99:20:07:81:25","state":["REACHABLE"]},
             {"dst":"10.79.0.50","lladdr":"aa:aa:aa:aa:aa:50","state":["STALE"]},
             {"dst":"fe80::50","lladdr":"aa:aa:aa:aa:aa:50","state":["STALE"]},
             {"dst":"192.0.2.1","lladdr":"aa:aa:aa:aa:aa:51","state":["REACHABLE"]}]
            """);

        var hosts = (await adapter.NeighbourHostsAsync(CancellationToken.None)).Select(a => a.ToString()).ToList();

        Assert.Equal(["10.79.0.1", "fd79::1", "10.79.0.12", "10.79.0.50", "fd79::50"], hosts);
        Assert.Equal(hosts, (await adapter.ReachableHostsAsync(CancellationToken.None)).Select(a => a.ToString()));
        var neighbours = await adapter.NeighboursAsync(CancellationToken.None);
        Assert.Equal(hosts, neighbours.Select(n => n.Address.ToString()));
        Assert.All(neighbours, n => Assert.Equal("l2a-ns1", n.Interface));
        Assert.Empty(host.Changes);
    }

    [Fact]
    public async Task A_command_that_hangs_becomes_a_plain_error()
    {
        var (adapter, _) = (new Layer2Adapter(new SegmentReader(new HangingRunner(), "l2a-ns1"), new FakePeers(), NullLogger<Layer2Adapter>.Instance), 0);

        var health = await adapter.CheckAsync(CancellationToken.None);

        Assert.Equal("layer2: ip -j addr show dev l2a-ns1 did not answer in 5 s", health.Message);
    }

    private sealed class HangingRunner : ICommandRunner
    {
        public Task<CommandResult> RunAsync(CommandRequest command, CancellationToken ct) => throw new TimeoutException();

        public string? FindProgram(string program) => "/usr/sbin/ip";
    }
}
