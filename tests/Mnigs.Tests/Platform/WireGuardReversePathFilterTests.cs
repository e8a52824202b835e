namespace Mnigs.Tests.Platform;

/// <summary>Probe replies through a standby tunnel must survive reverse-path filtering: Mnigs' WireGuard links get loose mode.</summary>
public sealed class WireGuardReversePathFilterTests : IDisposable
{
    private const string RpFilter = "net/ipv4/conf/mnt3fa2s0/rp_filter";

    private readonly PlatformScenario _scenario = new();

    public void Dispose() => _scenario.Dispose();

    private void HostHas(string value)
    {
        var path = Path.Combine(_scenario.Options.ProcSysRoot, RpFilter);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, value + "\n");
    }

    [Fact]
    public async Task A_new_tunnel_interface_gets_loose_reverse_path_filtering()
    {
        HostHas("1");
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);

        Assert.Equal("2", _scenario.Sysctl(RpFilter));
        Assert.Contains("Host changed: net.ipv4.conf.mnt3fa2s0.rp_filter = 2", _scenario.Log.Lines);
    }

    [Fact]
    public async Task Strict_filtering_set_again_behind_Mnigs_back_is_loosened_at_the_next_apply()
    {
        using var platform = _scenario.NewPlatform();
        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);
        _scenario.SubscriberHost();
        HostHas("1");

        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);

        Assert.Equal("2", _scenario.Sysctl(RpFilter));
        Assert.Empty(_scenario.Host.Changes);
    }

    [Fact]
    public async Task Loose_filtering_already_in_place_is_not_written_again()
    {
        HostHas("2");
        using var platform = _scenario.NewPlatform();
        _scenario.SubscriberHost();

        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);

        Assert.Equal("2", _scenario.Sysctl(RpFilter));
        Assert.DoesNotContain(_scenario.Log.Lines, l => l.Contains("rp_filter", StringComparison.Ordinal) && l.StartsWith("Host changed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_an_rp_filter_file_the_tunnel_still_comes_up()
    {
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);

        Assert.Contains("ip link set mnt3fa2s0 mtu 1380 up", _scenario.Host.CommandLines);
        Assert.False(File.Exists(Path.Combine(_scenario.Options.ProcSysRoot, RpFilter)));
        Assert.Contains("No net.ipv4.conf.mnt3fa2s0.rp_filter; leaving reverse-path filtering on mnt3fa2s0 as it is", _scenario.Log.Lines);
    }
}
