using Mnigs.Core.Host;
using Mnigs.Tests.Platform;

namespace Mnigs.Tests.Tunnels.OpenVpn;

/// <summary>
/// The Linux platform and the tuns openvpn holds (<see cref="HostState.ServiceLinks"/>): deleting one under a running
/// openvpn makes it spin on read errors (measured: some 130,000 log lines a second, and it ignores SIGTERM meanwhile),
/// so the platform leaves them to openvpn, which takes its tun along when the tunnel stops it; cleanup removes what a
/// crash left.
/// </summary>
public sealed class OpenVpnTunLinkTests : IDisposable
{
    private const string Tun = "mnt3fa2g1";
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly PlatformScenario _scenario = new();

    public void Dispose() => _scenario.Dispose();

    /// <summary>The host with openvpn's tun on it (as ip shows it).</summary>
    private void TunUp() => _scenario.Host.Answer("ip -j addr show", PlatformScenario.LoopbackOnly[..^1] + ","
        + $$"""{"ifindex":7,"ifname":"{{Tun}}","flags":["POINTOPOINT","MULTICAST","NOARP","UP","LOWER_UP"],"mtu":1420,"qdisc":"pfifo_fast","operstate":"UNKNOWN","group":"default","txqlen":500,"link_type":"none","addr_info":[{"family":"inet","local":"10.203.0.1","prefixlen":24,"scope":"global","label":"{{Tun}}","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]""");

    [Fact]
    public async Task The_tun_of_a_running_openvpn_is_left_alone_also_right_after_its_last_session_is_gone()
    {
        using var platform = _scenario.NewPlatform();
        TunUp();

        await platform.ApplyAsync(new HostState { ServiceLinks = [Tun] }, None);
        await platform.ApplyAsync(HostState.Empty, None);
        await platform.ApplyAsync(HostState.Empty, None);

        Assert.DoesNotContain($"ip link del {Tun}", _scenario.Host.CommandLines);
        Assert.DoesNotContain(_scenario.Host.Changes, c => c.Contains(Tun, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Once_gone_with_its_openvpn_the_name_is_Mnigs_like_any_other_again()
    {
        using var platform = _scenario.NewPlatform();
        TunUp();
        await platform.ApplyAsync(new HostState { ServiceLinks = [Tun] }, None);
        _scenario.CleanHost();
        await platform.ApplyAsync(HostState.Empty, None);

        // Something else under that name, never declared a program's (a leftover): removed.
        TunUp();
        await platform.ApplyAsync(HostState.Empty, None);

        Assert.Contains($"ip link del {Tun}", _scenario.Host.CommandLines);
    }

    [Fact]
    public async Task Cleanup_after_a_crash_removes_a_tun_that_is_still_there()
    {
        using var platform = _scenario.NewPlatform();
        TunUp();
        await platform.ApplyAsync(new HostState { ServiceLinks = [Tun] }, None);

        await platform.CleanupAsync(None);

        Assert.Contains($"ip link del {Tun}", _scenario.Host.CommandLines);
    }

    [Theory]
    [InlineData("eth0")]
    [InlineData("mnt3fa2x1")]
    [InlineData("mntprobe0")]
    public async Task Only_names_cleanup_would_find_can_be_a_programs_link(string name)
    {
        using var platform = _scenario.NewPlatform();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => platform.ApplyAsync(new HostState { ServiceLinks = [name] }, None));

        Assert.Contains("is not named like Mnigs' own", error.Message);
        Assert.Empty(_scenario.Host.Changes);
    }
}
