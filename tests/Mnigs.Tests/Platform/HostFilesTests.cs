using System.Net;
using Mnigs.Core.Host;

namespace Mnigs.Tests.Platform;

/// <summary>Forwarding and resolv.conf: saved before the first change, restored when no longer wanted or on cleanup.</summary>
public sealed class HostFilesTests : IDisposable
{
    private readonly PlatformScenario _scenario = new();

    public void Dispose() => _scenario.Dispose();

    private HostState WithDns => HostState.Empty with
    {
        Dns = new DnsSpec([IPAddress.Parse("10.201.0.1"), IPAddress.Parse("fd6d:6e69:6773::1")], "mnt3fa2s0", _scenario.ResolvConf),
    };

    [Fact]
    public async Task Forwarding_is_turned_on_and_the_previous_values_restored_afterwards()
    {
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(HostState.Empty with { Forwarding = true }, CancellationToken.None);

        Assert.Equal("1", _scenario.Sysctl("net/ipv4/ip_forward"));
        Assert.Equal("1", _scenario.Sysctl("net/ipv6/conf/all/forwarding"));
        Assert.Equal("net/ipv4/ip_forward=0\nnet/ipv6/conf/all/forwarding=0\n", File.ReadAllText(_scenario.StateFile("forwarding.saved")));

        await platform.ApplyAsync(HostState.Empty, CancellationToken.None);

        Assert.Equal("0", _scenario.Sysctl("net/ipv4/ip_forward"));
        Assert.Equal("0", _scenario.Sysctl("net/ipv6/conf/all/forwarding"));
        Assert.False(File.Exists(_scenario.StateFile("forwarding.saved")));
    }

    [Fact]
    public async Task Forwarding_saved_before_a_crash_is_restored_by_the_next_cleanup()
    {
        using (var crashed = _scenario.NewPlatform())
            await crashed.ApplyAsync(HostState.Empty with { Forwarding = true }, CancellationToken.None);
        // A restarted daemon applying again must not take our own 1 for the host's value.
        using (var restarted = _scenario.NewPlatform())
            await restarted.ApplyAsync(HostState.Empty with { Forwarding = true }, CancellationToken.None);

        using var platform = _scenario.NewPlatform();
        await platform.CleanupAsync(CancellationToken.None);

        Assert.Equal("0", _scenario.Sysctl("net/ipv4/ip_forward"));
        Assert.Equal("0", _scenario.Sysctl("net/ipv6/conf/all/forwarding"));
        Assert.False(File.Exists(_scenario.StateFile("forwarding.saved")));
    }

    [Fact]
    public async Task Resolv_conf_is_backed_up_once_rewritten_and_restored()
    {
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(WithDns, CancellationToken.None);
        await platform.ApplyAsync(WithDns, CancellationToken.None);

        Assert.Equal("# written by mnigs\nnameserver 10.201.0.1\nnameserver fd6d:6e69:6773::1\n", File.ReadAllText(_scenario.ResolvConf));
        Assert.Equal("nameserver 10.255.255.53\n", File.ReadAllText(_scenario.StateFile("resolv.conf.saved")));

        await platform.ApplyAsync(HostState.Empty, CancellationToken.None);

        Assert.Equal("nameserver 10.255.255.53\n", File.ReadAllText(_scenario.ResolvConf));
        Assert.False(File.Exists(_scenario.StateFile("resolv.conf.saved")));
    }

    [Fact]
    public async Task Resolv_conf_is_written_in_place()
    {
        var inode = new FileInfo(_scenario.ResolvConf);
        using var watcher = File.Open(_scenario.ResolvConf, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(WithDns, CancellationToken.None);

        // The handle opened before still sees the new content: same file, not a renamed one.
        using var reader = new StreamReader(watcher);
        Assert.StartsWith("# written by mnigs", reader.ReadToEnd());
        Assert.True(inode.Exists);
    }

    [Fact]
    public async Task Resolv_conf_replaced_before_a_crash_is_restored_by_the_next_cleanup()
    {
        using (var crashed = _scenario.NewPlatform())
            await crashed.ApplyAsync(WithDns, CancellationToken.None);

        using var platform = _scenario.NewPlatform();
        await platform.CleanupAsync(CancellationToken.None);

        Assert.Equal("nameserver 10.255.255.53\n", File.ReadAllText(_scenario.ResolvConf));
        Assert.False(File.Exists(_scenario.StateFile("resolv.conf.saved")));
    }

    [Fact]
    public async Task With_systemd_resolved_the_link_gets_the_servers_and_the_root_domain()
    {
        // resolv.conf pointing into /run/systemd/resolve is what marks systemd-resolved as in charge.
        File.Delete(_scenario.ResolvConf);
        File.CreateSymbolicLink(_scenario.ResolvConf, "/run/systemd/resolve/stub-resolv.conf");
        _scenario.Host.Programs["resolvectl"] = "/usr/bin/resolvectl";
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(WithDns, CancellationToken.None);
        await platform.ApplyAsync(WithDns, CancellationToken.None);

        Assert.Equal(
        [
            "resolvectl dns mnt3fa2s0 10.201.0.1 fd6d:6e69:6773::1",
            "resolvectl domain mnt3fa2s0 ~.",
        ], _scenario.Host.Changes);
        Assert.False(File.Exists(_scenario.StateFile("resolv.conf.saved")));
    }
}
