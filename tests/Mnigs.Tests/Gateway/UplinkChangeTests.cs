using System.Net;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Gateway;

public sealed class UplinkChangeTests
{
    [Fact]
    public async Task A_gateway_starts_serving_when_its_uplink_appears_and_stops_when_it_goes()
    {
        await using var rig = await DaemonRig.StartAsync(facts: DaemonRig.GatewayFacts with { DefaultRouteInterface = null });
        Assert.False(rig.Gateway.Serving);
        Assert.Contains("no uplink", rig.Gateway.NotServingReason);
        var refused = await rig.RequestConnectionAsync(IPAddress.Parse("fd00::2"));
        Assert.Equal("No gateway here", refused["errorMsg"]!.GetValue<string>());

        rig.Gateway.UpdateFacts(DaemonRig.GatewayFacts);
        await rig.Gateway.RefreshAsync(CancellationToken.None);
        Assert.True(rig.Gateway.Serving);
        var opened = await rig.RequestConnectionAsync(IPAddress.Parse("fd00::2"));
        Assert.True(opened["success"]!.GetValue<bool>(), opened.ToJsonString());
        Assert.Equal("uplink0", rig.Platform.Current.Firewall.Uplink);

        rig.Gateway.UpdateFacts(DaemonRig.GatewayFacts with { DefaultRouteInterface = null });
        await rig.Gateway.RefreshAsync(CancellationToken.None);
        Assert.False(rig.Gateway.Serving);
        // Without an uplink nothing is forwarded or masqueraded any more.
        Assert.True(rig.Platform.Current.Firewall.IsEmpty);
        Assert.False(rig.Platform.Current.Forwarding);

        // The subscriber hears that renewing is refused for now; what it was granted is kept.
        var sid = opened["sid"]!.GetValue<string>();
        var renew = await rig.CallAsync("renewConnection", new System.Text.Json.Nodes.JsonArray(sid), IPAddress.Parse("fd00::2"));
        Assert.False(renew["success"]!.GetValue<bool>());
        Assert.True(renew["temporaryError"]!.GetValue<bool>());
        Assert.NotNull(rig.Book.Find(sid));
    }
}
