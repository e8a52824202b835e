using System.Net;
using Mnigs.Platform;
using Mnigs.Tests.Platform;

namespace Mnigs.Tests.Tunnels.Forward;

/// <summary>
/// How the forward tunnel learns whether the gateway is one hop away: what the Linux platform reads from
/// <c>ip -j route get</c> (iproute2 6.1's output, as printed on this machine's lab namespaces).
/// </summary>
public sealed class ForwardRouteLookupTests : IDisposable
{
    private readonly PlatformScenario _scenario = new();

    public void Dispose() => _scenario.Dispose();

    [Fact]
    public async Task A_route_get_gives_the_device_and_the_next_hop_unless_the_destination_is_on_the_link()
    {
        _scenario.Host
            .Answer("ip -j route get 10.79.0.1", """[{"dst":"10.79.0.1","dev":"l2-ns1","prefsrc":"10.79.0.11","flags":[],"uid":0,"cache":[]}]""")
            .Answer("ip -j route get 10.77.0.3", """[{"dst":"10.77.0.3","via":{"family":"inet6","host":"fe80::b819:5ff:fecf:f0f9"},"dev":"lab-sr","prefsrc":"10.77.0.1","flags":[],"uid":0,"cache":[]}]""")
            .Answer("ip -j route get 10.6.1.1", """[{"dst":"10.6.1.1","gateway":"10.5.0.2","dev":"v0","prefsrc":"10.5.0.1","flags":[],"uid":0,"cache":[]}]""")
            .Answer("ip -j route get 8.8.8.8", CommandResult.Fail(2, "RTNETLINK answers: Network is unreachable\n"));
        using var platform = _scenario.NewPlatform();

        Assert.Equal(new RouteHop("l2-ns1", null), await platform.RouteToAsync(IPAddress.Parse("10.79.0.1"), CancellationToken.None));
        Assert.Equal(new RouteHop("lab-sr", IPAddress.Parse("fe80::b819:5ff:fecf:f0f9")), await platform.RouteToAsync(IPAddress.Parse("10.77.0.3"), CancellationToken.None));
        Assert.Equal(new RouteHop("v0", IPAddress.Parse("10.5.0.2")), await platform.RouteToAsync(IPAddress.Parse("10.6.1.1"), CancellationToken.None));
        Assert.Null(await platform.RouteToAsync(IPAddress.Parse("8.8.8.8"), CancellationToken.None));
        Assert.Empty(_scenario.Host.Changes);
    }
}
