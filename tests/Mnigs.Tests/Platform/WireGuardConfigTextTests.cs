using System.Net;
using Mnigs.Core.Host;
using Mnigs.Platform;

namespace Mnigs.Tests.Platform;

public sealed class WireGuardConfigTextTests
{
    private static WireGuardInterface Gateway => new("mnt3fa2s0", PlatformScenario.GatewayKey, 51820,
        [InterfaceAddress.Parse("10.201.0.1/24")], 1420,
        [new WireGuardPeer(PlatformScenario.SubscriberPublicKey, Endpoint: null, [IPNetwork.Parse("10.201.0.5/32"), IPNetwork.Parse("fd6d:6e69:6773::5/128")])]);

    private static readonly string Running = $"""
        [Interface]
        ListenPort = 51820
        PrivateKey = {PlatformScenario.GatewayKey}

        [Peer]
        PublicKey = {PlatformScenario.SubscriberPublicKey}
        AllowedIPs = fd6d:6e69:6773::5/128, 10.201.0.5/32
        Endpoint = 10.0.0.7:40123
        """;

    [Fact]
    public void A_learned_endpoint_of_a_peer_we_do_not_pin_is_no_difference() =>
        Assert.True(WireGuardConfigText.Matches(Running, Gateway));

    [Fact]
    public void Another_listen_port_is_a_difference() =>
        Assert.False(WireGuardConfigText.Matches(Running, Gateway with { ListenPort = 51821 }));

    [Fact]
    public void A_missing_peer_is_a_difference() =>
        Assert.False(WireGuardConfigText.Matches(Running, Gateway with
        {
            Peers = [.. Gateway.Peers, new WireGuardPeer(PlatformScenario.GatewayPublicKey, null, [IPNetwork.Parse("10.201.0.6/32")])],
        }));

    [Fact]
    public void An_extra_running_peer_is_a_difference() =>
        Assert.False(WireGuardConfigText.Matches(Running, Gateway with { Peers = [] }));

    [Fact]
    public void Another_private_key_is_a_difference() =>
        Assert.False(WireGuardConfigText.Matches(Running, Gateway with { PrivateKey = PlatformScenario.SubscriberKey }));

    [Fact]
    public void A_private_key_that_wg_shows_clamped_is_the_same_key()
    {
        var unclamped = Convert.FromBase64String(PlatformScenario.GatewayKey);
        unclamped[0] |= 7;
        unclamped[31] |= 128;
        Assert.True(WireGuardConfigText.Matches(Running, Gateway with { PrivateKey = Convert.ToBase64String(unclamped) }));
    }
}
