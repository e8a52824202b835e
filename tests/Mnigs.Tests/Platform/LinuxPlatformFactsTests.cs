using System.Net;
using Mnigs.Platform;

namespace Mnigs.Tests.Platform;

public sealed class LinuxPlatformFactsTests : IDisposable
{
    private readonly PlatformScenario _scenario = new();

    public void Dispose() => _scenario.Dispose();

    [Fact]
    public async Task Facts_name_the_uplink_the_tools_and_the_non_loopback_resolvers()
    {
        File.WriteAllText(_scenario.ResolvConf, "# test\nnameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch lan\nnameserver fe80::1%eth0\n");
        _scenario.Host.Answer("ip -j -4 route show default", """[{"dst":"default","gateway":"192.0.2.1","dev":"eth0","flags":[]}]""");
        _scenario.Host.Programs.Remove("nft");
        using var platform = _scenario.NewPlatform();

        var facts = await platform.ReadFactsAsync(CancellationToken.None);

        Assert.Equal("eth0", facts.DefaultRouteInterface);
        Assert.False(facts.KernelWireGuard);
        Assert.Equal("/usr/bin/wireguard-go", facts.WireGuardGo);
        Assert.True(facts.WireGuardTools);
        Assert.False(facts.Nftables);
        Assert.False(facts.SystemdResolved);
        Assert.Equal([IPAddress.Parse("192.0.2.53"), IPAddress.Parse("fe80::1%eth0")], facts.Resolvers);
    }

    [Fact]
    public async Task Kernel_WireGuard_is_probed_once_with_a_throwaway_link()
    {
        _scenario.Host.Answer("ip link add mntprobe0 type wireguard", CommandResult.Ok);
        using var platform = _scenario.NewPlatform();

        Assert.True((await platform.ReadFactsAsync(CancellationToken.None)).KernelWireGuard);
        Assert.True((await platform.ReadFactsAsync(CancellationToken.None)).KernelWireGuard);

        Assert.Equal(["ip link add mntprobe0 type wireguard", "ip link del mntprobe0"], _scenario.Host.Changes.Where(c => !c.Contains(" type ip") && !c.EndsWith(" type gre")));
    }

    [Fact]
    public async Task Path_mtu_is_the_route_mtu_else_the_device_mtu()
    {
        _scenario.Host
            .Answer("ip -j route get 10.6.1.1", """[{"dst":"10.6.1.1","gateway":"10.5.0.2","dev":"v0","prefsrc":"10.5.0.1","flags":[],"uid":0,"cache":[],"metrics":[{"mtu":1300}]}]""")
            .Answer("ip -j route get 10.5.0.9", """[{"dst":"10.5.0.9","dev":"v0","prefsrc":"10.5.0.1","flags":[],"uid":0,"cache":[]}]""")
            .Answer("ip -j link show dev v0", """[{"ifindex":3,"link":"v1","ifname":"v0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500}]""")
            .Answer("ip -j route get 8.8.8.8", CommandResult.Fail(2, "RTNETLINK answers: Network is unreachable\n"));
        using var platform = _scenario.NewPlatform();

        Assert.Equal(1300, await platform.PathMtuAsync(IPAddress.Parse("10.6.1.1"), CancellationToken.None));
        Assert.Equal(1500, await platform.PathMtuAsync(IPAddress.Parse("10.5.0.9"), CancellationToken.None));
        Assert.Null(await platform.PathMtuAsync(IPAddress.Parse("8.8.8.8"), CancellationToken.None));
    }
}
