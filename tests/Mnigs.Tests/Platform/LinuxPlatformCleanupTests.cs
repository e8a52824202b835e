using Mnigs.Platform;

namespace Mnigs.Tests.Platform;

public sealed class LinuxPlatformCleanupTests : IDisposable
{
    private readonly PlatformScenario _scenario = new();

    public void Dispose() => _scenario.Dispose();

    [Fact]
    public async Task Cleanup_on_a_clean_host_changes_nothing_and_does_not_fail()
    {
        using var platform = _scenario.NewPlatform();

        await platform.CleanupAsync(CancellationToken.None);

        Assert.Empty(_scenario.Host.Changes);
    }

    [Fact]
    public async Task Cleanup_removes_everything_a_crashed_daemon_left_and_nothing_else()
    {
        _scenario.SubscriberHost()
            .Answer("ip -j addr show", PlatformScenario.LoopbackOnly[..^1] + ","
                + """{"ifindex":4,"ifname":"mnt3fa2s0","flags":["UP"],"mtu":1380},{"ifindex":5,"ifname":"mntprobe0","flags":[],"mtu":1420},{"ifindex":6,"ifname":"eth0","flags":["UP"],"mtu":1500},{"ifindex":7,"ifname":"mntlan","flags":["UP"],"mtu":1500}]""")
            .Answer("ip -j -N -4 rule show",
                CommandResult.Output("""[{"priority":5200,"src":"all","table":"254","suppress_prefixlen":0},{"priority":5200,"src":"all","table":"254","suppress_prefixlen":0},{"priority":5201,"src":"all","table":"5151"}]"""),
                CommandResult.Output(PlatformScenario.DefaultRules4))
            .Answer("ip -j -N -6 rule show", PlatformScenario.DefaultRules6)
            .Answer("ip -j -6 route show table 5151", new CommandResult(2, "[", PlatformScenario.NoTable6))
            .Answer("nft list tables", "table inet filter\ntable inet mnigs\n");

        using var platform = _scenario.NewPlatform();
        await platform.CleanupAsync(CancellationToken.None);

        Assert.Equal(
        [
            "ip link del mnt3fa2s0",
            "ip link del mntprobe0",
            "ip -4 rule del priority 5200",
            "ip -4 rule del priority 5200",
            "ip -4 rule del priority 5201",
            "ip -4 route flush table 5151",
            "nft -f -",
        ], _scenario.Host.Changes);
        Assert.Equal("table inet mnigs\ndelete table inet mnigs\n", _scenario.Host.Calls.Single(c => c.Program == "nft" && c.Stdin is not null).Stdin);
    }

    [Fact]
    public async Task Cleanup_goes_on_after_a_failing_step_and_reports_it()
    {
        _scenario.Host
            .Answer("ip -j addr show", PlatformScenario.LoopbackOnly[..^1] + """,{"ifindex":4,"ifname":"mnt3fa2s0","flags":["UP"],"mtu":1380}]""")
            .Answer("ip link del mnt3fa2s0", CommandResult.Fail(2, "RTNETLINK answers: Operation not permitted\n"))
            .Answer("nft list tables", "table inet mnigs\n");
        using var platform = _scenario.NewPlatform();

        var error = await Assert.ThrowsAsync<CommandFailedException>(() => platform.CleanupAsync(CancellationToken.None));

        Assert.Equal("'ip link del mnt3fa2s0' failed with exit code 2: RTNETLINK answers: Operation not permitted", error.Message);
        Assert.Contains("nft -f -", _scenario.Host.Changes);
    }
}
