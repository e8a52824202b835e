using Mnigs.Tests.Platform;

namespace Mnigs.Tests.Packaging;

/// <summary>
/// In a container /proc/sys is read-only (packaging/docker/compose.yaml sets what must be set): a subscriber's
/// tunnel must come up without writing rp_filter where no filtering is in force, and still loosen strict filtering.
/// </summary>
public sealed class ContainerProcSysTests : IDisposable
{
    private const string Interface = "net/ipv4/conf/mnt3fa2s0/rp_filter";
    private const string All = "net/ipv4/conf/all/rp_filter";

    private readonly PlatformScenario _scenario = new();

    public void Dispose() => _scenario.Dispose();

    private void HostHas(string key, string value)
    {
        var path = Path.Combine(_scenario.Options.ProcSysRoot, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, value + "\n");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("2")]
    public async Task No_filtering_on_the_interface_and_none_or_loose_for_all_is_left_unwritten(string all)
    {
        HostHas(All, all);
        HostHas(Interface, "0");
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);

        Assert.Equal("0", _scenario.Sysctl(Interface));
        Assert.DoesNotContain(_scenario.Log.Lines, l => l.StartsWith("Host changed", StringComparison.Ordinal) && l.Contains("rp_filter", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Strict_filtering_for_all_still_gets_the_interface_loosened()
    {
        HostHas(All, "1");
        HostHas(Interface, "0");
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);

        Assert.Equal("2", _scenario.Sysctl(Interface));
    }
}
