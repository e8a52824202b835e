using System.Net;
using Mnigs.Core.Host;
using Mnigs.Tests.Platform;

namespace Mnigs.Tests.Tunnels.Socks;

/// <summary>The socks tunnel's resolvers: asked over TCP (glibc's use-vc), since only TCP reaches the gateway through the proxy.</summary>
public sealed class SocksResolverTests : IDisposable
{
    private readonly PlatformScenario _scenario = new();

    public void Dispose() => _scenario.Dispose();

    [Fact]
    public async Task Resolvers_asked_over_tcp_get_use_vc_in_resolv_conf_and_the_original_comes_back()
    {
        using var platform = _scenario.NewPlatform();
        var overTcp = HostState.Empty with { Dns = new DnsSpec([IPAddress.Parse("198.51.100.2")], "mnt3fa2s0", _scenario.ResolvConf, OverTcp: true) };

        await platform.ApplyAsync(overTcp, CancellationToken.None);
        Assert.Equal("# written by mnigs\nnameserver 198.51.100.2\noptions use-vc\n", File.ReadAllText(_scenario.ResolvConf));

        await platform.ApplyAsync(overTcp with { Dns = overTcp.Dns! with { OverTcp = false } }, CancellationToken.None);
        Assert.Equal("# written by mnigs\nnameserver 198.51.100.2\n", File.ReadAllText(_scenario.ResolvConf));

        await platform.ApplyAsync(HostState.Empty, CancellationToken.None);
        Assert.Equal("nameserver 10.255.255.53\n", File.ReadAllText(_scenario.ResolvConf));
    }
}
